import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Attempt, SourceSupervisor } from './source-supervisor.js';

test('gaps carry the last unit and the reason of the lost connection, not of the failed attempts after it', async () => {
  const seen: Attempt[] = [];
  const sup = new SourceSupervisor({ signal: new AbortController().signal, reconnectMinMs: 1 });
  await sup.run(async (a) => {
    seen.push(a);
    if (a.connection === 1)
      return { kind: 'lost', reason: 'connection reset', framesReceived: 10, lastReceivedAtMs: 1000 };
    if (a.connection === 2) throw new Error('connection refused');
    return { kind: 'done' };
  });
  assert.equal(sup.connections, 3);
  assert.deepEqual(
    seen.map((a) => a.gapBefore),
    [null, { fromMs: 1000, reason: 'connection reset' }, { fromMs: 1000, reason: 'connection reset' }],
  );
});

test('back-off doubles up to the maximum while attempts fail, and onConnectError may give up', async () => {
  const starts: number[] = [];
  const sup = new SourceSupervisor({
    signal: new AbortController().signal,
    reconnectMinMs: 20,
    reconnectMaxMs: 80,
  });
  await assert.rejects(
    sup.run(
      async () => {
        starts.push(performance.now());
        throw new Error('refused');
      },
      async (error, connection) => {
        if (connection === 5) throw error;
      },
    ),
    /refused/,
  );
  const waits = starts.slice(1).map((t, i) => t - starts[i]!);
  [20, 40, 80, 80].forEach((ms, i) => assert.ok(waits[i]! >= ms - 2, `wait ${i}: ${waits[i]} ms >= ${ms}`));
  assert.ok(waits[3]! < 160, `capped at the maximum (${waits[3]} ms)`);
});

test('a probe that sees the source come back ends the wait; one that always answers does not', async () => {
  for (const downProbes of [2, 0]) {
    let probes = 0;
    const starts: number[] = [];
    const sup = new SourceSupervisor({
      signal: new AbortController().signal,
      reconnectMinMs: 1000,
      probeIntervalMs: 10,
      probe: async () => ++probes > downProbes,
    });
    await sup.run(async (a) => {
      starts.push(performance.now());
      if (a.connection === 2) return { kind: 'done' };
      return { kind: 'lost', reason: 'closed', framesReceived: 1, lastReceivedAtMs: 0 };
    });
    const waited = starts[1]! - starts[0]!;
    if (downProbes) assert.ok(waited < 500, `back as soon as the probe answers (${waited} ms)`);
    else {
      assert.ok(waited >= 990, `an answering probe does not cut the back-off (${waited} ms)`);
      // ...and is not repeated every 10 ms for the rest of the wait: a port that answers while the
      // stream is refused would otherwise see a TCP connection per interval.
      assert.equal(probes, 1, 'one probe for a wait whose source answered it');
    }
  }
});

test('abort during the wait stops at once', async () => {
  const ac = new AbortController();
  const sup = new SourceSupervisor({ signal: ac.signal, reconnectMinMs: 60_000 });
  const t0 = performance.now();
  setTimeout(() => ac.abort(), 20);
  await sup.run(async () => ({ kind: 'lost', reason: 'closed', framesReceived: 0, lastReceivedAtMs: null }));
  assert.equal(sup.connections, 1);
  assert.ok(performance.now() - t0 < 1000);
});
