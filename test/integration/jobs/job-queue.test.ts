/**
 * The pg-boss adapter on a real PostgreSQL: typed payloads arrive at the handler, N handlers run
 * at once, and starting workers with a queue that has no handler fails with how to fix it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isKadrError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import { JobQueue, queues } from '../../../src/jobs/index.js';
import { createTestDatabase, type TestDatabase } from '../api/support/database.js';

let tdb: TestDatabase;
before(async () => {
  tdb = await createTestDatabase();
});
after(async () => {
  await tdb?.drop();
});

test('starting workers with a queue that has no handler fails, naming the queue and the fix', async () => {
  const queue = await JobQueue.start({ url: tdb.url, log: silentLogger });
  try {
    await assert.rejects(
      queue.startWorkers(),
      (e) => isKadrError(e) && e.message.includes(queues.videoAnalyze.name) && /handle\(/.test(e.hint ?? ''),
    );
  } finally {
    await queue.stop();
  }
});

test('jobs reach their handler with their payload, two at a time with concurrency 2', async () => {
  const queue = await JobQueue.start({ url: tdb.url, log: silentLogger, pollingIntervalSeconds: 0.5 });
  try {
    const seen: string[] = [];
    let running = 0;
    let maxRunning = 0;
    let allSeen!: () => void;
    const allSeenP = new Promise<void>((r) => (allSeen = r));
    queue.handle(queues.videoAnalyze, 2, async ({ videoId }) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      // The first jobs wait (up to 10 s) for a second one to run beside them: with one worker
      // only, maxRunning stays 1 and the test fails; a third concurrent one would show too.
      for (let i = 0; i < 200 && seen.length === 0 && maxRunning < 2; i++)
        await new Promise((r) => setTimeout(r, 50));
      seen.push(videoId);
      running--;
      if (seen.length === 4) allSeen();
      return 'done';
    });
    await queue.startWorkers();
    for (const id of ['a', 'b', 'c', 'd']) await queue.send(queues.videoAnalyze, { videoId: id });
    await allSeenP;
    assert.deepEqual([...seen].sort(), ['a', 'b', 'c', 'd']);
    assert.equal(maxRunning, 2);
  } finally {
    await queue.stop();
  }
});
