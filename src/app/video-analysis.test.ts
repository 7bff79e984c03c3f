import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FACES_SHARE_WITH_PEOPLE, progressOf } from './video-analysis.job.js';

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
  assert.equal(progressOf(state(500, 440)).stageProgress, 100);
  assert.ok(progressOf(state(500, 440)).progress < 100, '100 is for done only');
});

test('with a people pass to follow, the faces pass is part of the whole; the people pass has its own progress', () => {
  const faces = progressOf(state(440, 440), { stage: 'faces', peopleFollow: true });
  assert.equal(faces.stage, 'faces');
  assert.equal(faces.stageProgress, 100);
  assert.equal(faces.progress, 100 * FACES_SHARE_WITH_PEOPLE);
  const people = progressOf(state(440, 440), { stage: 'people', done: 110, total: 440 });
  assert.equal(people.stage, 'people');
  assert.equal(people.stageProgress, 25);
  assert.equal(people.progress, 100 * FACES_SHARE_WITH_PEOPLE + 25 * (1 - FACES_SHARE_WITH_PEOPLE));
  assert.ok(progressOf(state(440, 440), { stage: 'people', done: 440, total: 440 }).progress < 100);
  assert.equal(people.framesProcessed, 440, 'the face counts stay whole');
});
