import assert from 'node:assert/strict';
import { test } from 'node:test';
import { indexRecordedFrames } from './recorded-index.js';
import { frameAtWallclock, parseWallclock, type IndexedSegment } from './wallclock.js';

const T0 = Date.parse('2026-12-04T23:10:00Z');
const stream = { codec: 'h264', width: 2, height: 2, timeBase: { num: 1, den: 90_000 } };

/** A segment of frames every 40 ms (3600 ticks) from `firstPts`, wallclock T0 + `atMs` for pts 0. */
function segment(label: string, firstPts: number, frames: number, atMs: number | null): IndexedSegment {
  const records = Array.from({ length: frames }, (_, i) => {
    const pts = firstPts + i * 3600;
    return {
      ptsTicks: BigInt(pts),
      dtsTicks: BigInt(pts),
      key: i === 0,
      receivedAtMs: T0 + pts / 90 + 5,
      ntpMs: atMs === null ? null : T0 + atMs + pts / 90,
    };
  });
  return { label, index: indexRecordedFrames({ location: label, ...stream }, records) };
}

test('parseWallclock takes ISO 8601 with a zone (sub-millisecond kept) or ms since 1970', () => {
  assert.equal(parseWallclock('2026-12-04T23:10:01.120Z'), T0 + 1120);
  assert.equal(parseWallclock('2026-12-05T00:10:01.1205+01:00'), T0 + 1120.5);
  assert.equal(parseWallclock(String(T0 + 7)), T0 + 7);
  assert.throws(() => parseWallclock('2026-12-04T23:10:01'), { code: 'KADR_ERR_TIME_INVALID' });
  assert.throws(() => parseWallclock('yesterday'), { code: 'KADR_ERR_TIME_INVALID' });
});

test('the frame at a wallclock is the last frame at or before it, across segments', () => {
  // Two segments of one connection (pts continue), 25 frames each: 0-999 ms and 1000-1999 ms.
  const segs = [segment('a.mp4', 0, 25, 0), segment('b.mp4', 90_000, 25, 0)];
  const at = (ms: number) => frameAtWallclock(segs, T0 + ms);
  assert.deepEqual([at(0).segment, at(0).index], ['a.mp4', 0]);
  assert.deepEqual([at(39.999).segment, at(39.999).index], ['a.mp4', 0]);
  assert.deepEqual([at(40).segment, at(40).index], ['a.mp4', 1], 'an exact hit is that frame');
  assert.deepEqual([at(999.9).segment, at(999.9).index], ['a.mp4', 24]);
  assert.deepEqual([at(1000).segment, at(1000).index], ['b.mp4', 0]);
  const f = at(1130);
  assert.deepEqual(
    { segment: f.segment, index: f.index, pts: f.ptsTicks, since: f.sinceFirstMs, wall: f.wallclock },
    { segment: 'b.mp4', index: 3, pts: 90_000n + 3n * 3600n, since: 120, wall: '2026-12-04T23:10:01.120Z' },
  );
  assert.equal(f.receivedAtMs, T0 + 1125);
});

test('before the first frame, in a gap, after the last frame: refused, saying what was recorded', () => {
  // 0-999 ms, then the source was lost until 3000 ms (a new connection: pts from 0 again).
  const segs = [segment('a.mp4', 0, 25, 0), segment('c.mp4', 0, 25, 3000)];
  assert.throws(() => frameAtWallclock(segs, T0 - 0.001), {
    code: 'KADR_ERR_TIME_NOT_RECORDED',
    message: /recorded again from 2026-12-04T23:10:00.000Z/,
  });
  assert.throws(() => frameAtWallclock(segs, T0 + 1500), {
    code: 'KADR_ERR_TIME_NOT_RECORDED',
    message: /recorded up to 2026-12-04T23:10:01.000Z, recorded again from 2026-12-04T23:10:03.000Z/,
  });
  assert.equal(frameAtWallclock(segs, T0 + 3999.999).index, 24);
  assert.throws(() => frameAtWallclock(segs, T0 + 4000), { code: 'KADR_ERR_TIME_NOT_RECORDED' });
});

test('a recording whose source sent no sender reports has no wallclock to look up', () => {
  assert.throws(() => frameAtWallclock([segment('a.mp4', 0, 5, null)], T0), {
    code: 'KADR_ERR_TIME_NOT_RECORDED',
    message: /no RTCP sender reports/,
  });
});

test('a segment that continues the one before covers a hole the wallclock mapping left at the cut', () => {
  // A new sender report moved the mapping 3 ms later at the cut: 0-999 ms, then 1003-2002 ms.
  const a = segment('a.mp4', 0, 25, 0);
  const b = segment('b.mp4', 90_000, 25, 3);
  assert.throws(() => frameAtWallclock([a, b], T0 + 1001), { code: 'KADR_ERR_TIME_NOT_RECORDED' });
  const f = frameAtWallclock([a, { ...b, continuesPrevious: true }], T0 + 1001);
  assert.deepEqual([f.segment, f.index], ['a.mp4', 24]);
});
