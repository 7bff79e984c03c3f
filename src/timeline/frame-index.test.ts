import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FrameIndex, frameIndexAtTicks, seekKeyframeFor } from './frame-index.js';
import { summarize } from './probe.js';

function index(pts: number[], keys: number[], decodeOrder: number[]): FrameIndex {
  return {
    location: 'synthetic',
    codec: 'h264',
    width: 2,
    height: 2,
    timeBase: { num: 1, den: 1000 },
    pts: pts.map(BigInt),
    key: pts.map((_, i) => keys.includes(i)),
    decodeOrder,
    pos: pts.map(() => -1),
    lastDurationTicks: 40n,
    builtBy: 'packets',
  };
}

test('binary search finds the last frame at or before t, including exact hits', () => {
  const ix = index([100, 117, 150, 210], [0], [0, 1, 2, 3]);
  const at = (t: number) => frameIndexAtTicks(ix, (d) => d <= BigInt(t));
  assert.equal(at(0), 0);
  assert.equal(at(16), 0);
  assert.equal(at(17), 1);
  assert.equal(at(49), 1);
  assert.equal(at(50), 2);
  assert.equal(at(10_000), 3);
});

test('closed GOPs start from their own keyframe', () => {
  // presentation: I0 B1 B2 P3 | I4 B5 P6 ; decode: I0 P3 B1 B2 I4 P6 B5
  const ix = index([0, 40, 80, 120, 160, 200, 240], [0, 4], [0, 2, 3, 1, 4, 6, 5]);
  assert.equal(seekKeyframeFor(ix, 2), 0);
  assert.equal(seekKeyframeFor(ix, 4), 4);
  assert.equal(seekKeyframeFor(ix, 5), 4);
});

test('leading pictures of an open GOP start from the previous keyframe', () => {
  // presentation: I0 P1 P2 | B3 B4 I5(CRA) P6 ; decode: I0 P1 P2 I5 B3 B4 P6
  // B3 and B4 follow I5 in decode order but are shown before it: they need the previous GOP.
  const ix = index([0, 40, 80, 120, 160, 200, 240], [0, 5], [0, 1, 2, 4, 5, 3, 6]);
  assert.equal(seekKeyframeFor(ix, 3), 0);
  assert.equal(seekKeyframeFor(ix, 4), 0);
  assert.equal(seekKeyframeFor(ix, 5), 5);
  assert.equal(seekKeyframeFor(ix, 6), 5);
});

test('29.97 fps rounded to a 1/1000 time base is constant frame rate; irregular intervals are not', () => {
  const cfr: number[] = [];
  for (let i = 0; i < 100; i++) cfr.push(Math.round((i * 1001) / 30));
  assert.equal(
    summarize(
      index(
        cfr,
        [0],
        cfr.map((_, i) => i),
      ),
    ).variableFrameRate,
    false,
  );
  const vfr = [0, 17, 50, 120, 137, 200];
  const s = summarize(
    index(
      vfr,
      [0],
      vfr.map((_, i) => i),
    ),
  );
  assert.equal(s.variableFrameRate, true);
  assert.equal(s.fps.max, 58.824);
  assert.equal(s.fps.min, round(1000 / 70));
  function round(x: number) {
    return Math.round(x * 1000) / 1000;
  }
});
