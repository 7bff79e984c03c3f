import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PresenceTracker, type Observation } from './presence-tracker.js';

const person = (score: number): Observation => ({
  key: 'person',
  type: 'person',
  className: 'person',
  profileId: null,
  score,
  count: 1,
});
const frame = (i: number) => ({ pts: BigInt(i * 18000), wallMs: 1000 + i * 200, snapshot: `f${i}` });

test('appears in 2 of 3 frames from the first one seen, leaves at the last one seen', () => {
  const t = new PresenceTracker<string>({ leaveAfterMs: 1000 });
  assert.deepEqual(t.push(frame(0), []), []);
  assert.deepEqual(t.push(frame(1), [person(0.6)]), []);
  assert.deepEqual(t.push(frame(2), []), []);
  const started = t.push(frame(3), [person(0.8)]);
  assert.equal(started.length, 1);
  const s = started[0]!;
  assert.equal(s.kind, 'start');
  if (s.kind !== 'start') return;
  assert.equal(s.start.snapshot, 'f1');
  assert.equal(s.best.snapshot, 'f3');
  assert.deepEqual(
    t.push(frame(4), [person(0.9)]).map((c) => c.kind),
    ['best'],
  );
  assert.deepEqual(t.push(frame(5), []), []);
  assert.deepEqual(t.push(frame(8), []), []);
  const ended = t.push(frame(9), []);
  assert.equal(ended.length, 1);
  assert.equal(ended[0]!.kind === 'end' && ended[0]!.end.snapshot, 'f4');
  assert.deepEqual(t.openKeys(), []);
});

test('a single frame never makes an event; flush ends open ones', () => {
  const t = new PresenceTracker<string>();
  t.push(frame(0), [person(0.9)]);
  t.push(frame(1), []);
  assert.deepEqual(t.push(frame(2), []), []);
  assert.deepEqual(t.push(frame(3), [person(0.9)]), []);
  assert.equal(t.push(frame(4), [person(0.9)]).length, 1);
  const flushed = t.flush();
  assert.equal(flushed.length, 1);
  assert.equal(flushed[0]!.kind === 'end' && flushed[0]!.end.snapshot, 'f4');
});
