import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSegmentIndex, type SegmentHeader } from './segment-index.js';

const header: SegmentHeader = {
  key: 'a.mp4',
  indexKey: 'a.index.json',
  source: 'rtsp://x',
  codec: 'h264',
  width: 1,
  height: 1,
  timeBase: { num: 1, den: 90_000 },
  connection: 1,
  startedAtMs: 0,
  startReason: 'connect',
  gapBefore: null,
  droppedBeforeKeyframe: 0,
};
const f = (pts: number, key = false, ntpMs: number | null = null) => ({
  ptsTicks: BigInt(pts),
  dtsTicks: 0n,
  key,
  receivedAtMs: pts / 90,
  ntpMs,
});

test('frames in decode order come out in presentation order, with keyframes and the wallclock anchor', () => {
  // decode order I P B B (pts 0, 9000, 3000, 6000)
  const idx = buildSegmentIndex(
    header,
    [f(90000, true), f(99000, false, 5), f(93000), f(96000, false, 2)],
    'rollover',
    102000n,
  );
  assert.deepEqual(idx.ptsTicks, [90000, 93000, 96000, 99000]);
  assert.deepEqual(idx.keyframes, [0]);
  assert.deepEqual(idx.receivedAtMs, [1000, 1033.333, 1066.667, 1100]);
  assert.equal(idx.firstPtsMs, 1000);
  assert.equal(idx.durationMs, 4000 / 30); // up to the next segment's first frame
  assert.deepEqual(idx.wallclock, { ptsTicks: 96000, ntpMs: 2 });
  assert.deepEqual(
    idx.ntpMs,
    [2 - 200 / 3, 2 - 100 / 3, 2, 5].map((v) => Math.round(v * 1000) / 1000),
    'frames before the first SR get anchor + pts',
  );
});

test('without a next frame the last frame lasts as long as the interval before it', () => {
  const idx = buildSegmentIndex(header, [f(0, true), f(3000), f(9000)], 'end-of-stream');
  assert.equal(idx.durationMs, 15000 / 90);
  assert.equal(idx.wallclock, null);
});
