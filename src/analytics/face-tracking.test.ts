import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FaceTracker } from './face-tracking.js';
import { iou } from './nms.js';

const box = (x: number, y: number, s = 50) => ({ x, y, width: s, height: s });

test('iou of identical, disjoint and half-overlapping boxes', () => {
  assert.equal(iou(box(0, 0), box(0, 0)), 1);
  assert.equal(iou(box(0, 0), box(100, 100)), 0);
  assert.ok(Math.abs(iou(box(0, 0), box(25, 0)) - 1 / 3) < 1e-9);
});

test('a moving face keeps its track; a second face gets its own', () => {
  const t = new FaceTracker();
  const a = t.update(0, [box(0, 0)]).trackIds[0];
  const u1 = t.update(1, [box(8, 2), box(300, 300)]);
  assert.equal(u1.trackIds[0], a);
  assert.notEqual(u1.trackIds[1], a);
  // Detections come in any order; the overlap decides.
  const u2 = t.update(2, [box(305, 300), box(16, 4)]);
  assert.deepEqual(u2.trackIds, [u1.trackIds[1], a]);
});

test('a face missed for a few frames continues; after the gap it ends and a new track starts', () => {
  const t = new FaceTracker({ maxGapFrames: 3 });
  const a = t.update(0, [box(0, 0)]).trackIds[0]!;
  assert.deepEqual(t.update(1, []).ended, []);
  assert.equal(t.update(3, [box(4, 0)]).trackIds[0], a);
  assert.deepEqual(t.update(7, []).ended, [a]);
  const b = t.update(8, [box(4, 0)]).trackIds[0];
  assert.notEqual(b, a);
  assert.deepEqual(t.finish(), [b]);
});

test('two detections never take the same track', () => {
  const t = new FaceTracker();
  const a = t.update(0, [box(0, 0)]).trackIds[0];
  const u = t.update(1, [box(2, 0), box(4, 0)]);
  assert.equal(u.trackIds.filter((id) => id === a).length, 1);
  assert.equal(new Set(u.trackIds).size, 2);
});

test('a hard cut ends every track: the same box after it is a new track', () => {
  const t = new FaceTracker();
  const a = t.update(0, [box(100, 100)]).trackIds[0]!;
  assert.equal(t.update(1, [box(100, 100)]).trackIds[0], a);
  assert.deepEqual(t.cut(), [a]);
  const b = t.update(2, [box(100, 100)]).trackIds[0]!;
  assert.notEqual(b, a);
  // and the new track continues normally after the cut
  assert.equal(t.update(3, [box(102, 100)]).trackIds[0], b);
});

test('split gives the face a new id that the following frames continue; the old id is gone', () => {
  const t = new FaceTracker();
  const a = t.update(0, [box(100, 100)]).trackIds[0]!;
  t.update(1, [box(101, 100)]);
  const b = t.split(a);
  assert.notEqual(b, a);
  assert.equal(t.update(2, [box(102, 100)]).trackIds[0], b);
  assert.deepEqual(t.finish(), [b]);
  assert.throws(() => t.split(a), RangeError);
});
