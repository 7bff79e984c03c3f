import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectionSize } from './detection-size.js';

test('640x360 is not scaled and pads to 640x384', () => {
  assert.deepEqual(detectionSize(640, 360), {
    width: 640,
    height: 360,
    inputWidth: 640,
    inputHeight: 384,
    scaleX: 1,
    scaleY: 1,
  });
});

test('1920x1080 is analysed at its own size (small faces survive), padded to 1920x1088', () => {
  const s = detectionSize(1920, 1080);
  assert.deepEqual([s.width, s.height, s.inputWidth, s.inputHeight], [1920, 1080, 1920, 1088]);
  assert.equal(s.scaleX, 1);
});

test('3840x2160 scales to 1920x1080 (one half); a smaller maxSide still bounds the size', () => {
  const s = detectionSize(3840, 2160);
  assert.deepEqual([s.width, s.height, s.inputWidth, s.inputHeight], [1920, 1080, 1920, 1088]);
  assert.equal(s.scaleX, 1 / 2);
  const t = detectionSize(1920, 1080, 640);
  assert.deepEqual([t.width, t.height, t.inputWidth, t.inputHeight, t.scaleX], [640, 360, 640, 384, 1 / 3]);
});

test('portrait video is bounded by its height', () => {
  const s = detectionSize(2160, 3840);
  assert.deepEqual([s.width, s.height, s.inputWidth, s.inputHeight], [1080, 1920, 1088, 1920]);
});

test('small and odd sizes are never scaled up, only padded', () => {
  const s = detectionSize(321, 241);
  assert.deepEqual(
    [s.width, s.height, s.inputWidth, s.inputHeight, s.scaleX, s.scaleY],
    [321, 241, 352, 256, 1, 1],
  );
});

test('scaled sizes are even, with per-axis scales that map back exactly', () => {
  const s = detectionSize(2732, 1536);
  assert.equal(s.width % 2, 0);
  assert.equal(s.height % 2, 0);
  assert.equal(s.width / s.scaleX, 2732);
  assert.equal(s.height / s.scaleY, 1536);
  assert.equal(s.inputWidth % 32, 0);
  assert.equal(s.inputHeight % 32, 0);
});

test('a zero size is refused', () => {
  assert.throws(() => detectionSize(0, 360), RangeError);
});
