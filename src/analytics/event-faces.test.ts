import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENT_FACE_SPREAD, EVENT_FACES, keepDistinctFace } from './event-faces.js';

const face = (offset: number) => {
  const e = new Float32Array(128);
  e[0] = 1;
  e[1] = offset;
  return e;
};

test('an event keeps distinct faces only, up to its limit', () => {
  const kept: Float32Array[] = [];
  assert.equal(keepDistinctFace(kept, face(0)), true);
  assert.equal(keepDistinctFace(kept, face(EVENT_FACE_SPREAD / 2)), false, 'too near the first');
  assert.equal(keepDistinctFace(kept, face(EVENT_FACE_SPREAD)), true);
  for (let i = 2; i < EVENT_FACES; i++)
    assert.equal(keepDistinctFace(kept, face(i * EVENT_FACE_SPREAD)), true);
  assert.equal(keepDistinctFace(kept, face(100)), false, 'full');
  assert.equal(kept.length, EVENT_FACES);
});
