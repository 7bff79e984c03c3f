/**
 * JPEG frame ingest into S3 (the test's Ceph RGW): the recording is streamed into the bucket as it is
 * encoded (multipart), its key is an s3:// URL that `kadr frame --wallclock` takes, and ffprobe reads
 * back every frame at its capture time from the stored object.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { locateObject } from '../../../src/storage/index.js';
import { createTestDatabase, type TestDatabase } from '../api/support/database.js';
import { kadrEnv, startKadr, type KadrProcess } from '../api/support/kadr-process.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const bucket = `kadr-ingest-${randomBytes(4).toString('hex')}`;
let tdb: TestDatabase;
let dir: string;
let kadr: KadrProcess;
let jpegs: Buffer[];

before(async () => {
  assert.equal(process.env.KADR_TEST_S3, '1', 'run through scripts/run-tests.ts, which starts the S3 server');
  tdb = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), 'kadr-ingest-s3-'));
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=640x360:rate=25',
    '-frames:v',
    '6',
    '-q:v',
    '4',
    path.join(dir, 'f%d.jpg'),
  ]);
  jpegs = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => readFile(path.join(dir, `f${n}.jpg`))));
  kadr = await startKadr(
    ['serve', '--port', '0', '--data', path.join(dir, 'data')],
    kadrEnv({ DATABASE_URL: tdb.url, S3_BUCKET: bucket, KADR_API_TOKEN: undefined }, true),
  );
});

after(async () => {
  if (kadr) assert.equal(await kadr.stop(), 0, kadr.stderr().slice(-2000));
  await tdb?.drop();
  await rm(dir, { recursive: true, force: true });
});

test('a session into S3: s3:// key, every frame at its capture time, kadr frame reads it', async () => {
  const post = (url: string, body: Buffer | string, headers: Record<string, string>) =>
    fetch(`${kadr.url}${url}`, { method: 'POST', headers, body });
  const opened = await post('/api/ingest', JSON.stringify({ name: 'yard' }), {
    'content-type': 'application/json',
  });
  assert.equal(opened.status, 201);
  const { id } = (await opened.json()) as { id: string };
  const t0 = Date.UTC(2026, 11, 5, 11, 0, 0, 5);
  const times = [t0, t0 + 41, t0 + 42, t0 + 300, t0 + 1333, t0 + 2500];
  for (const [i, t] of times.entries()) {
    const r = await post(`/api/ingest/${id}/frames`, jpegs[i]!, {
      'content-type': 'image/jpeg',
      'x-capture-time': new Date(t).toISOString(),
    });
    assert.equal(r.status, 200, await r.text());
  }
  const finished = await post(`/api/ingest/${id}/finish`, '', {});
  const rec = (await finished.json()) as { key: string; frames: number };
  assert.equal(finished.status, 200, JSON.stringify(rec));
  assert.match(rec.key, new RegExp(`^s3://${bucket}/ingest/yard/.+\\.mp4$`));
  assert.equal(rec.frames, times.length);

  const { store, key } = locateObject(rec.key);
  const url = await store.readLocation(key, 600);
  const probed = JSON.parse(
    execFileSync(
      'ffprobe',
      ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=pts_time', '-of', 'json', url],
      { encoding: 'utf8' },
    ),
  ) as { frames: { pts_time: string }[] };
  assert.deepEqual(
    probed.frames.map((f) => Math.round(Number(f.pts_time) * 1000)),
    times.map((t) => t - t0),
  );

  const cli = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'src/cli/bin.ts'),
      'frame',
      rec.key,
      '--wallclock',
      new Date(times[3]! + 500).toISOString(),
      '--json',
    ],
    { cwd: ROOT, encoding: 'utf8', env: kadrEnv({ S3_BUCKET: bucket }, true) },
  );
  assert.equal(JSON.parse(cli).index, 3);
});
