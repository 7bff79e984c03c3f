import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nptToTicks, PlayoutClock, rtpBaseOf, rtpTimestampAfterMs, rtpTimestampAt } from './rtp-timing.js';

const MS = { num: 1, den: 1000 };
const MKV_NS = { num: 1, den: 1_000_000_000 };

test('RTP timestamp: base + PTS at 90 kHz modulo 2^32, exact for any time base; the base is recovered', () => {
  assert.equal(rtpTimestampAt(1000, 40n, MS), 1000 + 3600);
  assert.equal(rtpTimestampAt(2 ** 32 - 1800, 40n, MS), 1800, 'wraps');
  // 1/3 s in nanoseconds is 30000 ticks at 90 kHz, rounded, not a constant step per frame
  assert.equal(rtpTimestampAt(0, 333_333_333n, MKV_NS), 30000);
  for (const [base, pts] of [
    [0, 0n],
    [5, 1_000_000n],
    [2 ** 32 - 1, 7n],
  ] as const) {
    assert.equal(rtpBaseOf(rtpTimestampAt(base, pts, MS), pts, MS), base);
  }
  assert.equal(rtpTimestampAfterMs(2 ** 32 - 90, 2), 90, '2 ms on the 90 kHz clock, through the wrap');
  assert.equal(nptToTicks(1.5, 1000n, MS), 2500n);
});

test('send times: the DTS, else the previous one, never decreasing; a lap moves the offset; restart clears', () => {
  const clock = new PlayoutClock();
  assert.equal(clock.sendTicks(null, 80n), 80n, 'the very first unit without a DTS goes at its PTS');
  assert.equal(clock.sendTicks(null, 40n), 80n, 'no DTS: the previous send time');
  assert.equal(clock.sendTicks(120n, 200n), 120n);
  assert.equal(clock.sendTicks(100n, 100n), 120n, 'never earlier than the previous');
  assert.equal(clock.sendTicks(null, null), 120n);
  clock.lap(1000n);
  clock.lap(1000n);
  assert.equal(clock.offsetTicks, 2000n);
  clock.restart();
  assert.equal(clock.offsetTicks, 0n);
  assert.equal(clock.sendTicks(10n, 10n), 10n, 'after a seek an earlier time is allowed');
  assert.equal(new PlayoutClock().sendTicks(null, null), 0n);
});
