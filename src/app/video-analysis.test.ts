import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progressOf } from './video-analysis.job.js';

const state = (framesProcessed: number, totalFrames: number) => ({
  totalFrames,
  framesProcessed,
  facesSoFar: 7,
  framesWithFaces: 3,
  facesPerSecond: [7],
  nextFrameIndex: framesProcessed,
});

test('progress is decoded frames over total frames, in percent, with the resume state kept whole', () => {
  const p = progressOf(state(110, 440));
  assert.equal(p.progress, 25);
  assert.equal(p.totalFrames, 440);
  assert.equal(p.facesSoFar, 7);
  assert.deepEqual(p.resumeState, state(110, 440));
});

test('an unknown total reads 0 % (not NaN), and progress never passes 100', () => {
  assert.equal(progressOf(state(5, 0)).progress, 0);
  assert.equal(progressOf(state(5, 0)).totalFrames, null);
  assert.equal(progressOf(state(500, 440)).progress, 100);
});
