import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MediaUnit } from '../core/media-unit.js';
import { type HubSubscription, StreamHub } from './stream-hub.js';

const TB = { num: 1, den: 90000 };

/** Unit n of a stream with a keyframe every `gop` units, 25 frames/s in 90 kHz ticks. */
function unit(n: number, gop = 5): MediaUnit {
  const pts = BigInt(n * 3600);
  return {
    timeBase: TB,
    pts,
    dts: pts,
    key: n % gop === 0,
    ntpMs: null,
    receivedAtMs: 1_700_000_000_000 + n * 40,
    data: Buffer.from([0, 0, 0, 1, n & 0xff]),
  };
}

/** Frame numbers read until the end. */
async function drain(sub: HubSubscription): Promise<number[]> {
  const got: number[] = [];
  for await (const u of sub) got.push(Number(u.pts / 3600n));
  return got;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

test('fan-out: every subscriber gets the same units, in order, the very same objects', async () => {
  const hub = new StreamHub();
  const subs = [hub.subscribe(), hub.subscribe(), hub.subscribe()];
  const reads = subs.map((s) => {
    const units: MediaUnit[] = [];
    return (async () => {
      for await (const u of s) units.push(u);
      return units;
    })();
  });
  const published = range(0, 50).map((n) => unit(n));
  for (const u of published) {
    hub.publish(u);
    if (u.pts % 7n === 0n) await new Promise((r) => setImmediate(r));
  }
  hub.finish();
  for (const units of await Promise.all(reads)) {
    assert.equal(units.length, published.length);
    units.forEach((u, i) => assert.equal(u, published[i], `unit ${i} is the published object`));
  }
  assert.equal(hub.published, 50);
  assert.deepEqual(
    subs.map((s) => s.skips),
    [0, 0, 0],
  );
});

test('a late subscriber starts at the last keyframe; before any keyframe it waits for one', async () => {
  const hub = new StreamHub();
  hub.publish(unit(1)); // the stream was joined mid-group: no keyframe yet
  const early = hub.subscribe();
  for (const n of range(2, 13)) hub.publish(unit(n)); // keyframes at 5 and 10
  const late = hub.subscribe();
  assert.equal(late.queued, 3, 'units 10, 11, 12 are waiting for it');
  for (const n of range(13, 16)) hub.publish(unit(n));
  hub.finish();
  assert.deepEqual(await drain(early), range(5, 16), 'units before the first keyframe are not handed out');
  assert.deepEqual(await drain(late), range(10, 16));
  assert.equal(early.skippedUnits, 0, 'waiting to join is not a skip');
});

test('a group longer than maxGopUnits is not kept: a late subscriber waits for the next keyframe', async () => {
  const hub = new StreamHub({ maxGopUnits: 4 });
  for (const n of range(0, 7)) hub.publish(unit(n, 10));
  const late = hub.subscribe();
  assert.equal(late.queued, 0);
  for (const n of range(7, 12)) hub.publish(unit(n, 10));
  hub.finish();
  assert.deepEqual(await drain(late), [10, 11]);
});

test('a group longer than the queue a subscriber may have: it joins at the next keyframe', async () => {
  const hub = new StreamHub({ maxQueuedUnits: 3 });
  for (const n of range(0, 4)) hub.publish(unit(n));
  const late = hub.subscribe();
  assert.equal(late.queued, 0, 'units 0..3 would already overflow its queue');
  for (const n of range(4, 7)) hub.publish(unit(n));
  hub.finish();
  assert.deepEqual(await drain(late), [5, 6]);
  assert.equal(late.skips, 0);
});

test('a stalled subscriber skips to the next keyframe, counted, and does not hold up the others', async () => {
  const hub = new StreamHub({ maxQueuedUnits: 8 });
  const stalled = hub.subscribe(); // never reads until the end
  const fast = hub.subscribe();
  const fastGot: number[] = [];
  const fastRead = (async () => {
    for await (const u of fast) fastGot.push(Number(u.pts / 3600n));
  })();
  for (const n of range(0, 33)) {
    hub.publish(unit(n));
    await new Promise((r) => setImmediate(r));
    assert.equal(fastGot.at(-1), n, `the reading subscriber has unit ${n} before the next is published`);
    assert.ok(stalled.queued <= 8, `the stalled queue stays bounded (${stalled.queued})`);
  }
  hub.finish();
  await fastRead;
  assert.deepEqual(fastGot, range(0, 33));
  assert.equal(fast.skips, 0);
  assert.equal(fast.skippedUnits, 0);
  // 0..7 queued; 8 overflows: the 8 queued and 8, 9 are lost, 10 (a keyframe) starts again; the same
  // at 18 and 28; 30..32 are left to read.
  assert.equal(stalled.skips, 3);
  assert.equal(stalled.skippedUnits, 30);
  assert.deepEqual(await drain(stalled), [30, 31, 32], 'after skipping it resumes at a keyframe');
});

test('a stalled subscriber resumes at once when the overflowing unit is itself a keyframe', async () => {
  const hub = new StreamHub({ maxQueuedUnits: 5 });
  const sub = hub.subscribe();
  for (const n of range(0, 6)) hub.publish(unit(n)); // 0..4 queued, 5 is a keyframe
  hub.finish();
  assert.deepEqual(await drain(sub), [5]);
  assert.equal(sub.skips, 1);
  assert.equal(sub.skippedUnits, 5);
});

test('unsubscribe: a pending read returns null, the hub stops queueing for it, the others go on', async () => {
  const hub = new StreamHub();
  const a = hub.subscribe();
  const b = hub.subscribe();
  hub.publish(unit(0));
  assert.equal((await a.read())?.pts, 0n);
  const pending = a.read();
  a.close();
  assert.equal(await pending, null);
  assert.equal(hub.subscribers, 1);
  hub.publish(unit(1));
  assert.equal(a.queued, 0);
  assert.equal(await a.read(), null);
  hub.finish();
  assert.deepEqual(await drain(b), [0, 1]);
});

test('upstream end: queued units are still read, then null; later subscribers get null at once', async () => {
  const hub = new StreamHub();
  const sub = hub.subscribe();
  const pending = (async () => [await sub.read(), await sub.read(), await sub.read()])();
  hub.publish(unit(0));
  hub.publish(unit(1));
  hub.finish({ kind: 'error', message: 'connection reset' });
  const [u0, u1, end] = await pending;
  assert.equal(u0?.pts, 0n);
  assert.equal(u1?.pts, 3600n);
  assert.equal(end, null);
  assert.deepEqual(hub.end, { kind: 'error', message: 'connection reset' });
  hub.publish(unit(2));
  assert.equal(hub.published, 2, 'nothing is published after the end');
  const after = hub.subscribe();
  assert.equal(await after.read(), null);
  assert.equal(hub.subscribers, 1, 'a subscriber after the end is not kept');
});

test('a gap mark reaches every subscriber in order, and each resumes at the next keyframe', async () => {
  const hub = new StreamHub();
  const reader = hub.subscribe();
  const plain = hub.subscribe();
  for (let n = 0; n < 7; n++) hub.publish(unit(n));
  hub.gap({ fromMs: 1, reason: 'connection closed by the source' });
  // The new connection starts mid-group: units 11..14 precede its first keyframe (15).
  for (let n = 11; n < 18; n++) hub.publish(unit(n));
  hub.finish();
  const items: string[] = [];
  for (let item = await reader.next(); item; item = await reader.next()) {
    items.push(item.kind === 'gap' ? `gap:${item.gap.reason}` : String(Number(item.unit.pts / 3600n)));
  }
  assert.deepEqual(items, [
    ...range(0, 7).map(String),
    'gap:connection closed by the source',
    '15',
    '16',
    '17',
  ]);
  assert.deepEqual(await drain(plain), [...range(0, 7), 15, 16, 17], 'read() passes over the mark');
  assert.equal(reader.skippedUnits, 0, 'waiting for the keyframe after a gap is no skip');
});

test('a subscriber that fell behind keeps the gap mark when its queue is dropped', async () => {
  const hub = new StreamHub({ maxQueuedUnits: 2 });
  const behind = hub.subscribe();
  for (let n = 0; n < 4; n++) hub.publish(unit(n));
  hub.gap({ fromMs: 7, reason: 'lost' });
  hub.publish(unit(5));
  hub.publish(unit(6));
  hub.finish();
  const kinds: string[] = [];
  for (let item = await behind.next(); item; item = await behind.next()) {
    kinds.push(item.kind === 'gap' ? 'gap' : String(Number(item.unit.pts / 3600n)));
  }
  assert.equal(kinds[0], 'gap', 'the mark is still there after the queue was dropped');
  assert.ok(behind.skips >= 1);
});

test('a late subscriber after a gap waits for the new connection’s keyframe', async () => {
  const hub = new StreamHub();
  for (let n = 0; n < 3; n++) hub.publish(unit(n));
  hub.gap({ fromMs: 1, reason: 'x' });
  const late = hub.subscribe();
  hub.publish(unit(11));
  hub.publish(unit(15));
  hub.finish();
  assert.deepEqual(await drain(late), [15]);
  assert.deepEqual(hub.lastGap, { fromMs: 1, reason: 'x' });
});

test('discontinuity: queued units are still read, then every subscriber rejoins at the next keyframe', async () => {
  const hub = new StreamHub();
  const sub = hub.subscribe();
  for (let n = 0; n < 7; n++) hub.publish(unit(n));
  hub.discontinuity();
  // A new connection that starts mid-group: its units before a keyframe are not handed on.
  for (let n = 7; n < 16; n++) hub.publish(unit(n));
  const late = hub.subscribe();
  hub.finish();
  assert.deepEqual(await drain(sub), [...range(0, 7), ...range(10, 16)]);
  assert.deepEqual(await drain(late), range(15, 16), 'the kept group restarted at the keyframe after it');
  assert.equal(sub.skippedUnits, 0, 'not counted as a slow consumer');
});

test('onClose: called once, by close()', () => {
  const hub = new StreamHub();
  const sub = hub.subscribe();
  let calls = 0;
  sub.onClose = () => calls++;
  sub.close();
  sub.close();
  assert.equal(calls, 1);
  assert.equal(hub.subscribers, 0);
});
