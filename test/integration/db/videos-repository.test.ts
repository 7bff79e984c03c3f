/**
 * Migrations and the videos table on a real PostgreSQL: applied once and recorded, and the
 * conditional UPDATEs that make "exactly one worker per video" hold under concurrency.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../../src/core/logger.js';
import { migrate, migrations, openDatabase, VideosRepository, type Database } from '../../../src/db/index.js';
import { createTestDatabase, type TestDatabase } from '../api/support/database.js';

let tdb: TestDatabase;
let db: Database;
let repo: VideosRepository;

before(async () => {
  tdb = await createTestDatabase();
  db = await openDatabase({ databaseUrl: tdb.url, dataDir: '/nonexistent', log: silentLogger });
  repo = new VideosRepository(db.pool);
});
after(async () => {
  await db?.close();
  await tdb?.drop();
});

const newVideo = () =>
  repo.insert({
    id: randomUUID(),
    filename: 'a.mp4',
    contentType: 'video/mp4',
    sizeBytes: 10,
    objectKey: 'videos/x',
  });

test('migrations are applied once, in order, and recorded', async () => {
  const { rows } = await db.pool.query<{ version: number }>(
    'SELECT version FROM kadr_migrations ORDER BY version',
  );
  assert.deepEqual(
    rows.map((r) => r.version),
    migrations.map((m) => m.version),
  );
  assert.deepEqual(await migrate(db.pool, silentLogger), []); // second start: nothing to do
});

test('a failing migration is rolled back and not recorded', async () => {
  await assert.rejects(
    migrate(db.pool, silentLogger, [
      { version: 999, name: '999-bad', sql: 'CREATE TABLE t999 (x int); SELECT nope;' },
    ]),
  );
  const t = await db.pool.query(`SELECT to_regclass('t999') AS t`);
  assert.equal(t.rows[0].t, null);
  const m = await db.pool.query('SELECT 1 FROM kadr_migrations WHERE version = 999');
  assert.equal(m.rowCount, 0);
});

test('ten workers claiming one video at once: exactly one gets it', async () => {
  const v = await newVideo();
  const claims = await Promise.all(
    Array.from({ length: 10 }, (_, i) => repo.claim(v.id, randomUUID(), `w${i}`)),
  );
  assert.equal(claims.filter(Boolean).length, 1);
  const row = (await repo.get(v.id))!;
  assert.equal(row.status, 'processing');
  assert.equal(row.attempts, 1);
});

test('heartbeat reports pause and cancel; a lost claim reads null', async () => {
  const v = await newVideo();
  const token = randomUUID();
  assert.ok(await repo.claim(v.id, token, 'w'));
  const p = {
    progress: 10,
    stage: 'faces' as const,
    stageProgress: 10,
    totalFrames: 100,
    framesProcessed: 10,
    facesSoFar: 3,
    framesWithFaces: 2,
    resumeState: { nextFrameIndex: 10 },
  };
  assert.equal(await repo.heartbeat(v.id, token, p), 'processing');
  assert.ok(await repo.transition(v.id, ['queued', 'processing'], 'paused'));
  assert.equal(await repo.heartbeat(v.id, token, null), 'paused');
  assert.equal(await repo.heartbeat(v.id, randomUUID(), null), null);
  assert.equal(await repo.release(v.id, token), 'paused');
  const row = (await repo.get(v.id))!;
  assert.deepEqual(row.resumeState, { nextFrameIndex: 10 });
  assert.equal(row.facesSoFar, 3);
  assert.equal(row.claimToken, null);
  // resume, then the old worker's late finish is refused: the row is no longer its claim
  assert.equal(await repo.transition(v.id, ['paused'], 'queued').then((r) => r?.status), 'queued');
  assert.equal(await repo.finishDone(v.id, token, p, [3]), false); // old token: not its video any more
});

test('a video whose worker stopped beating goes back to the queue, with its saved state', async () => {
  const v = await newVideo();
  const token = randomUUID();
  await repo.claim(v.id, token, 'dead');
  await repo.heartbeat(v.id, token, {
    progress: 50,
    stage: 'faces',
    stageProgress: 50,
    totalFrames: 2,
    framesProcessed: 1,
    facesSoFar: 1,
    framesWithFaces: 1,
    resumeState: { nextFrameIndex: 1 },
  });
  assert.deepEqual(await repo.requeueStale(60_000), []); // fresh heartbeat: alive
  await db.pool.query(`UPDATE videos SET heartbeat_at = now() - interval '1 minute' WHERE id = $1`, [v.id]);
  assert.ok((await repo.requeueStale(30_000)).includes(v.id));
  const row = (await repo.get(v.id))!;
  assert.equal(row.status, 'queued');
  assert.deepEqual(row.resumeState, { nextFrameIndex: 1 });
  assert.equal(await repo.heartbeat(v.id, token, null), null); // the dead worker, if it wakes, has lost it
});
