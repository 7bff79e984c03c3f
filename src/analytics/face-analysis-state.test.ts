import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKadrError } from '../core/index.js';
import {
  cloneFaceState,
  initialFaceState,
  recordFrame,
  recordObjects,
  secondOf,
  validateResumeState,
} from './face-analysis-state.js';

test('secondOf floors exactly in the stream time base', () => {
  const tb = { num: 1, den: 90000 };
  assert.equal(secondOf(0n, tb), 0);
  assert.equal(secondOf(89999n, tb), 0);
  assert.equal(secondOf(90000n, tb), 1);
  assert.equal(secondOf(1001n * 2997n, { num: 1, den: 30000 }), 99); // 99.9999 s
  assert.equal(secondOf(1001n * 3000n, { num: 1, den: 30000 }), 100); // 100.1 s
  assert.equal(secondOf(-5n, tb), 0);
});

test('recordFrame sums faces, counts frames with faces, and fills seconds without frames with 0', () => {
  const s = initialFaceState(5);
  recordFrame(s, 0, 0, 2);
  recordFrame(s, 1, 0, 0);
  recordFrame(s, 2, 3, 1); // a 3 s gap in a VFR video
  assert.deepEqual(s, {
    totalFrames: 5,
    framesProcessed: 3,
    facesSoFar: 3,
    framesWithFaces: 2,
    facesPerSecond: [2, 0, 0, 1],
    nextFrameIndex: 3,
  });
});

test('validateResumeState accepts a good state as a copy', () => {
  const s = initialFaceState(10);
  recordFrame(s, 0, 0, 1);
  const copy = validateResumeState(s, 10);
  assert.deepEqual(copy, s);
  copy.facesPerSecond.push(9);
  assert.equal(s.facesPerSecond.length, 1, 'the caller’s state is not mutated later');
});

test('validateResumeState refuses malformed states and states of another video', () => {
  const good = {
    ...initialFaceState(10),
    framesProcessed: 2,
    nextFrameIndex: 2,
    facesSoFar: 1,
    framesWithFaces: 1,
    facesPerSecond: [1],
  };
  for (const bad of [
    { ...good, nextFrameIndex: 11 },
    { ...good, framesProcessed: 3 },
    { ...good, facesPerSecond: [1.5] },
    { ...good, facesSoFar: -1 },
    { ...good, framesWithFaces: 3 },
  ]) {
    assert.throws(
      () => validateResumeState(bad, 10),
      (e) => isKadrError(e, 'KADR_ERR_VALIDATION'),
    );
  }
  assert.throws(
    () => validateResumeState(good, 12),
    (e) => isKadrError(e, 'KADR_ERR_CONFLICT'),
  );
});

test('object counts: per class the most in one frame and the frames seen; personsMax; resumable', () => {
  const s = initialFaceState(10);
  recordObjects(s, ['person', 'person', 'car']);
  recordObjects(s, []);
  recordObjects(s, ['person', 'car', 'car', 'car']);
  assert.equal(s.personsMax, 2);
  assert.deepEqual(s.objects, { person: { max: 2, frames: 2 }, car: { max: 3, frames: 2 } });
  const copy = cloneFaceState(s);
  recordObjects(s, ['person', 'person', 'person']);
  assert.equal(copy.objects!.person!.max, 2, 'a clone does not share the counts');
  assert.deepEqual(validateResumeState(copy, 10).objects, copy.objects);
  assert.throws(() => validateResumeState({ ...copy, objects: { person: { max: -1, frames: 0 } } }, 10));
  assert.throws(() => validateResumeState({ ...copy, personsMax: 1.5 }, 10));
});
