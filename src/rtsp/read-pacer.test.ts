import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReadPacer } from './read-pacer.js';

function socket(log: { name: string; at: number }[], name: string) {
  return { resume: () => log.push({ name, at: performance.now() }) };
}

test('paused sockets are resumed together on one clock; a cancelled one is not', async () => {
  const pacer = new ReadPacer(20);
  const log: { name: string; at: number }[] = [];
  const a = socket(log, 'a');
  const b = socket(log, 'b');
  const c = socket(log, 'c');
  pacer.later(a);
  await sleep(8);
  pacer.later(b);
  pacer.later(c);
  pacer.cancel(c);
  await sleep(60);
  assert.deepEqual(log.map((l) => l.name).sort(), ['a', 'b']);
  // in the same tick (one after the other, synchronously), although they paused 8 ms apart
  assert.ok(Math.abs(log[0]!.at - log[1]!.at) < 2, `${log[0]!.at} vs ${log[1]!.at}`);
  // resumed once each: nothing is left waiting, and the clock stops (the test would hang otherwise)
  await sleep(60);
  assert.equal(log.length, 2);
});
