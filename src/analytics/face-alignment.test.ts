import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applySimilarity,
  CHIP_SIZE,
  CHIP_TEMPLATE,
  fitSimilarity,
  warpChipRgb,
  type Point,
} from './face-alignment.js';

const close = (a: number, b: number, eps = 1e-9) => Math.abs(a - b) <= eps;

test('fitSimilarity recovers an exact rotation + scale + shift', () => {
  const angle = 0.3;
  const scale = 1.7;
  const truth = { a: scale * Math.cos(angle), b: scale * Math.sin(angle), tx: 12, ty: -5 };
  const src: Point[] = [
    [10, 20],
    [40, 22],
    [25, 40],
    [12, 55],
    [38, 57],
  ];
  const m = fitSimilarity(
    src,
    src.map((p) => applySimilarity(truth, p)),
  );
  for (const k of ['a', 'b', 'tx', 'ty'] as const) assert.ok(close(m[k], truth[k], 1e-9), `${k}: ${m[k]}`);
});

test('fitSimilarity never reflects: mirrored landmarks give a poor fit, not a mirror', () => {
  const mirrored = CHIP_TEMPLATE.map(([x, y]) => [150 - x, y] as Point);
  const m = fitSimilarity(mirrored, CHIP_TEMPLATE);
  // A reflection would map these exactly; a similarity cannot, so some residual must remain.
  const residual = mirrored.reduce((s, p, i) => {
    const [x, y] = applySimilarity(m, p);
    return s + Math.hypot(x - CHIP_TEMPLATE[i]![0], y - CHIP_TEMPLATE[i]![1]);
  }, 0);
  assert.ok(residual > 10);
});

test('fitSimilarity refuses degenerate input', () => {
  assert.throws(() => fitSimilarity([[1, 1]], [[2, 2]]), RangeError);
  assert.throws(
    () =>
      fitSimilarity(
        [
          [3, 3],
          [3, 3],
        ],
        [
          [0, 0],
          [1, 1],
        ],
      ),
    RangeError,
  );
});

test('warpChipRgb with the identity copies pixels, reorders BGR to planar RGB, and is black outside', () => {
  const W = 200;
  const H = 100; // shorter than the chip: rows 100..149 fall outside
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.set([x % 256, y, 7], (y * W + x) * 3); // B = x, G = y, R = 7
  const out = new Float32Array(3 * CHIP_SIZE * CHIP_SIZE);
  warpChipRgb({ data, width: W, height: H, order: 'bgr' }, { a: 1, b: 0, tx: 0, ty: 0 }, out);
  const plane = CHIP_SIZE * CHIP_SIZE;
  const at = (c: number, u: number, v: number) => out[c * plane + v * CHIP_SIZE + u];
  assert.equal(at(0, 10, 20), 7, 'R');
  assert.equal(at(1, 10, 20), 20, 'G');
  assert.equal(at(2, 10, 20), 10, 'B');
  assert.equal(at(2, 149, 98), 149);
  assert.deepEqual([at(0, 5, 120), at(1, 5, 120), at(2, 5, 120)], [0, 0, 0], 'outside the picture is black');
});

test('warpChipRgb interpolates bilinearly between pixels', () => {
  const data = new Uint8Array([0, 0, 0, 100, 100, 100, 0, 0, 0, 100, 100, 100]); // 2x2 rgb: columns 0 and 100
  const out = new Float32Array(3 * CHIP_SIZE * CHIP_SIZE);
  // Chip (u, v) samples the picture at (u/4, v/4): chip (2, 0) is half-way between the two columns.
  warpChipRgb({ data, width: 2, height: 2, order: 'rgb' }, { a: 4, b: 0, tx: 0, ty: 0 }, out);
  assert.equal(out[2], 50);
});
