import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applySimilarity, CHIP_TEMPLATE, fitSimilarity, type Point } from './face-alignment.js';

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
