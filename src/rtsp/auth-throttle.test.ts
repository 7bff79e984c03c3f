import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthThrottle } from './auth-throttle.js';

test('failures from one address wait longer and longer, up to the cap; others are not affected', () => {
  let now = 0;
  const t = new AuthThrottle({ freeFailures: 2, baseDelayMs: 100, maxDelayMs: 800, now: () => now });
  assert.deepEqual(
    Array.from({ length: 7 }, () => t.failed('10.0.0.1')),
    // two free, then 100, 200, 400, 800, 800 more, each after the previous one (answered in turn)
    [0, 0, 100, 300, 700, 1500, 2300],
  );
  assert.equal(t.failed('10.0.0.2'), 0, 'another address starts clean');
  now += 3000; // every delayed answer has gone out: the next waits its own delay only
  assert.equal(t.failed('10.0.0.1'), 800);
  t.succeeded('10.0.0.1');
  assert.equal(t.failures('10.0.0.1'), 0, 'a right password clears the record');
  assert.equal(t.failed('10.0.0.1'), 0);
});

test('failures are forgotten after a while, and memory stays bounded', () => {
  let now = 0;
  const t = new AuthThrottle({ freeFailures: 0, forgetAfterMs: 1000, maxAddresses: 100, now: () => now });
  t.failed('a');
  t.failed('a');
  now += 1001;
  t.failed('a');
  assert.equal(t.failures('a'), 1);
  for (let i = 0; i < 10_000; i++) t.failed(`10.0.${i >> 8}.${i & 255}`);
  assert.equal(t.trackedAddresses, 100);
});
