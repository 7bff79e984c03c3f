import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WallclockTracker } from './libav-rtsp-wallclock.js';

const tb = { num: 1, den: 90_000 };
const zeroUs = 1_795_000_000_000_000; // wallclock of pts 0, µs

test('no wallclock before two packets agree; then every frame gets offset + its own pts', () => {
  const w = new WallclockTracker();
  assert.equal(w.observe(0n, null, tb), null, 'no SR yet');
  assert.equal(w.observe(3000n, BigInt(zeroUs + 33_333), tb), null, 'one PRFT is not trusted yet');
  const ms = w.observe(6000n, BigInt(zeroUs + 66_667), tb);
  assert.ok(ms !== null && Math.abs(ms - (zeroUs + 66_667) / 1000) < 0.001);
});

test('a PRFT mis-tagged with the neighbouring frame value is not used for any frame', () => {
  const w = new WallclockTracker();
  w.observe(0n, BigInt(zeroUs), tb);
  w.observe(3000n, BigInt(zeroUs + 33_333), tb); // trusted from here
  // after a new SR the first packet carries the previous frame's value (off by one interval)
  const mis = w.observe(6000n, BigInt(zeroUs + 33_333), tb);
  assert.ok(
    Math.abs(mis! - (zeroUs + 66_667) / 1000) < 0.001,
    'still offset + pts, not the mis-tagged value',
  );
});
