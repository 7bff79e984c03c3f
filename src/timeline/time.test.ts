import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTimeMs, ticksAtOrBefore } from './time.js';

test('parseTimeMs keeps decimals exact and refuses what is not a time', () => {
  assert.deepEqual(parseTimeMs('1500'), { num: 1500n, den: 1n });
  assert.deepEqual(parseTimeMs('1500.25'), { num: 150025n, den: 100n });
  assert.deepEqual(parseTimeMs(0), { num: 0n, den: 1n });
  assert.deepEqual(parseTimeMs('-0'), { num: 0n, den: 1n });
  assert.throws(() => parseTimeMs('-1'), { code: 'KADR_ERR_TIME_NEGATIVE' });
  assert.throws(() => parseTimeMs('1e3'), { code: 'KADR_ERR_TIME_INVALID' });
  assert.throws(() => parseTimeMs(''), { code: 'KADR_ERR_TIME_INVALID' });
  assert.throws(() => parseTimeMs('12 ms'), { code: 'KADR_ERR_TIME_INVALID' });
});

test('ticksAtOrBefore compares a 1/90000 PTS with a fractional millisecond exactly', () => {
  const tb = { num: 1, den: 90_000 };
  assert.equal(ticksAtOrBefore(45n, tb, parseTimeMs('0.5')), true); // exactly 0.5 ms
  assert.equal(ticksAtOrBefore(46n, tb, parseTimeMs('0.5')), false);
  assert.equal(ticksAtOrBefore(3003n, tb, parseTimeMs('33.366')), false); // 33.3666... ms
  assert.equal(ticksAtOrBefore(3003n, tb, parseTimeMs('33.367')), true);
});

test('a frame at 33.3667 ms is displayed from t=34 ms on, not at 33 ms', () => {
  const tb = { num: 1, den: 90_000 };
  assert.equal(ticksAtOrBefore(3003n, tb, parseTimeMs('33')), false);
  assert.equal(ticksAtOrBefore(3003n, tb, parseTimeMs('34')), true);
});
