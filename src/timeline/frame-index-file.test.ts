import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FrameIndex } from './frame-index.js';
import { FRAME_INDEX_VERSION, readFrameIndexFile, toFrameIndexFile } from './frame-index-file.js';
import { indexRecordedFrames } from './recorded-index.js';

const fileIndex: FrameIndex = {
  location: 'a.mp4',
  codec: 'h264',
  width: 4,
  height: 2,
  timeBase: { num: 1, den: 1000 },
  pts: [1000n, 1040n, 1080n, 1133n],
  key: [true, false, false, true],
  decodeOrder: [0, 2, 3, 1],
  pos: [48, 900, 1200, 700],
  lastDurationTicks: 40n,
  builtBy: 'packets',
};

test('an index written and read back is the same index (a file, then a recording)', () => {
  const json = JSON.parse(JSON.stringify(toFrameIndexFile(fileIndex))) as unknown;
  assert.deepEqual(readFrameIndexFile(json, 'a.mp4'), fileIndex);

  const recorded = indexRecordedFrames(
    { location: 'r.mp4', codec: 'hevc', width: 8, height: 8, timeBase: { num: 1, den: 90_000 } },
    [
      { ptsTicks: 0n, dtsTicks: -3000n, key: true, receivedAtMs: 10, ntpMs: null, ptsEstimated: true },
      { ptsTicks: 6000n, dtsTicks: 0n, key: false, receivedAtMs: 20, ntpMs: 5000 },
      { ptsTicks: 3000n, dtsTicks: 3000n, key: false, receivedAtMs: 30, ntpMs: 4966.667 },
    ],
    9000n,
  );
  const file = toFrameIndexFile(recorded);
  assert.equal(file.version, FRAME_INDEX_VERSION);
  assert.deepEqual(file.decodeOrder, [0, 2, 1]);
  assert.deepEqual(file.ntpMs, [4933.334, 4966.667, 5000]);
  assert.deepEqual(file.wallclock, { ptsTicks: 3000, ntpMs: 4966.667 });
  assert.equal(file.pos, undefined, 'no byte positions for a recording');
  assert.deepEqual(readFrameIndexFile(JSON.parse(JSON.stringify(file)), 'r.mp4'), recorded);
});

test("the recorder's version-1 file is read: no decode order, the last duration from durationMs", () => {
  const v1 = {
    format: 'kadr-frame-index',
    version: 1,
    segment: 'cam/2026-11-23T00-18-48.732Z.mp4',
    source: 'rtsp://127.0.0.1/a',
    codec: 'h264',
    width: 320,
    height: 180,
    timeBase: '1/90000',
    connection: 1,
    startedAt: '2026-11-23T00:18:48.732Z',
    startReason: 'connect',
    endReason: 'rollover',
    gapBefore: null,
    droppedBeforeKeyframe: 0,
    frames: 3,
    firstPtsMs: 1000,
    durationMs: 9000 / 90,
    wallclock: { ptsTicks: 90000, ntpMs: 1764000000000.5 },
    ptsTicks: [90000, 93003, 96000],
    estimatedPts: [],
    keyframes: [0],
    receivedAtMs: [1764000000010, 1764000000043.4, 1764000000076.7],
    ntpMs: [1764000000000.5, 1764000000033.867, 1764000000067.167],
  };
  const ix = readFrameIndexFile(v1, 'seg.mp4');
  assert.equal(ix.decodeOrder, null);
  assert.deepEqual(ix.pts, [90000n, 93003n, 96000n]);
  assert.equal(ix.lastDurationTicks, 3000n);
  assert.deepEqual(ix.key, [true, false, false]);
  assert.deepEqual(ix.clocks?.ntpMs, v1.ntpMs);
  assert.deepEqual(ix.clocks?.anchor, { ptsTicks: 90000n, ntpMs: 1764000000000.5 });
});

test("the timeline cache's version-1 file is read with its exact first pts", () => {
  const v1 = {
    v: 1,
    codec: 'vp9',
    width: 2,
    height: 2,
    tb: [1, 1000],
    first: '9007199254740993',
    d: [0, 40, 80],
    keys: [0],
    order: [0, 1, 2],
    pos: [10, 20, 30],
    lastDur: '40',
    builtBy: 'packets',
  };
  const ix = readFrameIndexFile(v1, 'b.webm');
  assert.deepEqual(ix.pts, [9007199254740993n, 9007199254741033n, 9007199254741073n]);
  assert.deepEqual(ix.decodeOrder, [0, 1, 2]);
  // Such a pts does not fit a JSON number: version 2 refuses to write it (the cache then keeps none).
  assert.throws(() => toFrameIndexFile({ ...ix, decodeOrder: [0, 1, 2] }), /does not fit/);
});

test('anything else is refused with its format and version named', () => {
  assert.throws(() => readFrameIndexFile({ format: 'kadr-frame-index', version: 3 }, 'x'), {
    code: 'KADR_ERR_INPUT_CORRUPT',
    message: /version 3/,
  });
  assert.throws(() => readFrameIndexFile(null, 'x'), { code: 'KADR_ERR_INPUT_CORRUPT' });
});
