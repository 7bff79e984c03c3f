import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ceilDiv, floorDiv, rescale, ticksToMs } from './rational.js';

test('floorDiv and ceilDiv round toward -inf and +inf for both signs', () => {
  assert.equal(floorDiv(7n, 2n), 3n);
  assert.equal(floorDiv(-7n, 2n), -4n);
  assert.equal(ceilDiv(7n, 2n), 4n);
  assert.equal(ceilDiv(-7n, 2n), -3n);
  assert.equal(floorDiv(6n, 3n), 2n);
});

test('ticksToMs keeps sub-millisecond precision of a 1/90000 time base', () => {
  assert.equal(ticksToMs(90_000n, { num: 1, den: 90_000 }), 1000);
  assert.equal(ticksToMs(3003n, { num: 1, den: 90_000 }), 33.366666666666667);
  assert.equal(ticksToMs(-45n, { num: 1, den: 90_000 }), -0.5);
});

test('rescale to the 90 kHz RTP clock is exact from 1/1000 and rounds like av_rescale_q otherwise', () => {
  assert.equal(rescale(17n, { num: 1, den: 1000 }, { num: 1, den: 90_000 }), 1530n);
  assert.equal(rescale(1n, { num: 1, den: 30_000 }, { num: 1, den: 90_000 }), 3n);
  assert.equal(rescale(1n, { num: 1, den: 60_000 }, { num: 1, den: 90_000 }), 2n); // 1.5 -> 2 (ties away)
  assert.equal(rescale(-1n, { num: 1, den: 60_000 }, { num: 1, den: 90_000 }), -2n);
});
