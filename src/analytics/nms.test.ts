import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iou, nonMaxSuppression } from './nms.js';

const box = (x: number, y: number, w: number, h: number, score: number) => ({
  x,
  y,
  width: w,
  height: h,
  score,
});

test('iou of identical, disjoint, touching and half-overlapping boxes', () => {
  assert.equal(iou(box(0, 0, 10, 10, 1), box(0, 0, 10, 10, 1)), 1);
  assert.equal(iou(box(0, 0, 10, 10, 1), box(20, 20, 10, 10, 1)), 0);
  assert.equal(iou(box(0, 0, 10, 10, 1), box(10, 0, 10, 10, 1)), 0);
  // 10x10 boxes offset by 5: intersection 50, union 150.
  assert.equal(iou(box(0, 0, 10, 10, 1), box(5, 0, 10, 10, 1)), 50 / 150);
});

test('keeps the best of overlapping boxes and every separate box, best first', () => {
  const kept = nonMaxSuppression(
    [box(1, 1, 10, 10, 0.91), box(0, 0, 10, 10, 0.95), box(100, 100, 10, 10, 0.92), box(2, 0, 10, 10, 0.93)],
    0.3,
  );
  assert.deepEqual(
    kept.map((b) => b.score),
    [0.95, 0.92],
  );
});

test('a box overlapping exactly at the threshold is kept (suppression needs IoU above it)', () => {
  // IoU 1/3 > 0.3 suppresses; with a threshold of 1/3 it is kept.
  const a = box(0, 0, 10, 10, 0.9);
  const b = box(5, 0, 10, 10, 0.8);
  assert.equal(nonMaxSuppression([a, b], 0.3).length, 1);
  assert.equal(nonMaxSuppression([a, b], 1 / 3).length, 2);
});

test('topK caps the number of kept boxes', () => {
  const boxes = Array.from({ length: 10 }, (_, i) => box(i * 20, 0, 10, 10, 0.9 + i / 100));
  assert.equal(nonMaxSuppression(boxes, 0.3, 3).length, 3);
});
