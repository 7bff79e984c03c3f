import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brightnessGrid, DEFAULT_CUT_THRESHOLD, GRID_COLS, SceneCutDetector } from './scene-cut.js';

/** A planar picture whose pixels are `f(x, y)` in all three planes. */
function picture(width: number, height: number, f: (x: number, y: number) => number) {
  const plane = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) plane[y * width + x] = f(x, y);
  return { width, height, b: plane, g: plane, r: plane, stride: width };
}

test('the grid holds block means of the luma, left to right, top to bottom', () => {
  const g = brightnessGrid(picture(320, 180, (x) => (x < 160 ? 0 : 200)));
  assert.equal(g[0], 0);
  assert.ok(Math.abs(g[GRID_COLS - 1]! - 200) < 0.01);
});

test('a small thing moving is no cut; another picture is, and only at its first frame', () => {
  const d = new SceneCutDetector();
  const scene = (dx: number) =>
    picture(320, 180, (x, y) => (Math.abs(x - 100 - dx) < 15 && y > 60 ? 20 : 120 + (y >> 2)));
  assert.equal(d.update(scene(0)), false, 'the first frame starts nothing');
  for (let dx = 4; dx <= 40; dx += 4) assert.equal(d.update(scene(dx)), false, `moved ${dx}`);
  assert.ok(d.lastDifference < DEFAULT_CUT_THRESHOLD);
  const other = picture(320, 180, (x) => (x * 7) % 256);
  assert.equal(d.update(other), true);
  assert.ok(d.lastDifference > DEFAULT_CUT_THRESHOLD);
  assert.equal(d.update(other), false);
});
