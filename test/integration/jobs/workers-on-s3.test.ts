/**
 * kadr past one machine: one API process (`kadr serve --concurrency 0`) and two `kadr worker`
 * processes on one PostgreSQL and one S3 server (Ceph RGW), as on three machines. Every video is
 * analysed to completion exactly once, and when a worker is killed (-9) mid-video, the other one
 * finishes that video from its saved state.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../api/support/database.js';
import { getVideo, pollUntil, upload, type VideoJson } from '../api/support/http.js';
import { kadrEnv, startKadr, type KadrProcess } from '../api/support/kadr-process.js';
import { faceVideo, longFaceVideo } from '../api/support/test-videos.js';
import { killRgw, startRgw } from '../../harness/s3/rgw-control.js';

let tdb: TestDatabase;
const dirs: string[] = [];
const procs: KadrProcess[] = [];

before(async () => {
  tdb = await createTestDatabase();
});
after(async () => {
  for (const p of procs) await p.kill9();
  await tdb?.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function start(args: string[], ready?: RegExp): Promise<KadrProcess> {
  // Each process gets its own data folder: nothing is shared but PostgreSQL and S3.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kadr-worker-'));
  dirs.push(dir);
  const useS3 = process.env.KADR_TEST_S3 === '1';
  const env = kadrEnv(
    {
      DATABASE_URL: tdb.url,
      KADR_ANALYSIS_THREADS: '1',
      KADR_STALE_AFTER_MS: '3000',
      KADR_STORAGE_RETRY_MS: '2000',
      ...(useS3 ? { S3_BUCKET: bucket } : {}),
    },
    useS3,
  );
  const p = await startKadr([...args, '--data', useS3 ? dir : sharedDir], env, ready);
  procs.push(p);
  return p;
}
const bucket = `kadr-workers-${randomBytes(4).toString('hex')}`;
const sharedDir = path.join(os.tmpdir(), `kadr-workers-fs-${randomBytes(4).toString('hex')}`);
dirs.push(sharedDir);

const finished = (v: VideoJson) => ['done', 'failed', 'cancelled'].includes(v.status);
const doneLines = (p: KadrProcess, id: string) =>
  p
    .stderr()
    .split('\n')
    .filter((l) => l.includes('"analysis done"') && l.includes(id)).length;

test('two workers and one API: every video done exactly once; the video of a killed worker is finished by the other', async () => {
  const api = await start(['serve', '--port', '0', '--concurrency', '0']);
  const workerReady = /(running) 1 worker/;
  const w1 = await start(['worker', '--concurrency', '1'], workerReady);
  const w2 = await start(['worker', '--concurrency', '1'], workerReady);
  const workers = [w1, w2];

  const long = await longFaceVideo(4);
  const short = await faceVideo();
  const res = await upload(api.url, [long, long, short, short]);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const videos = res.body.items;
  const truth = new Map(videos.map((v, i) => [v.id, i < 2 ? long : short]));

  // Catch a long video mid-way and kill -9 the worker that has it.
  const victim = (
    await pollUntil(
      async () => {
        for (const v of videos.slice(0, 2)) {
          const now = await getVideo(api.url, v.id);
          if (now.status === 'processing' && now.framesProcessed >= 30) return now;
        }
        return null;
      },
      Boolean,
      'a long video mid-way',
      { everyMs: 20 },
    )
  ).at(-1)!;
  const owner = workers.find((w) => w.stderr().includes(`"video":"${victim.id}","msg":"analysis started"`));
  assert.ok(owner, 'the log names the worker that took the video');
  const survivor = workers.find((w) => w !== owner)!;
  await owner.kill9();

  for (const v of videos) {
    const seen = await pollUntil(() => getVideo(api.url, v.id), finished, `${v.id} to finish`, {
      timeoutMs: 240_000,
    });
    const final = seen.at(-1)!;
    assert.equal(final.status, 'done', JSON.stringify(final));
    assert.equal(final.framesProcessed, truth.get(v.id)!.frames);
    assert.equal(final.facesSoFar, truth.get(v.id)!.faces, 'counted exactly once');
    const completions = workers.reduce((n, w) => n + doneLines(w, v.id), 0);
    assert.equal(completions, 1, `video ${v.id} completed ${completions} times`);
  }
  assert.equal(doneLines(survivor, victim.id), 1, "the surviving worker finished the killed worker's video");
  const after = await getVideo(api.url, victim.id);
  assert.ok(after.framesProcessed >= victim.framesProcessed);
  // The API process analyses nothing itself.
  assert.doesNotMatch(api.stderr(), /analysis started/);
  for (const p of [api, survivor]) assert.equal(await p.stop(), 0, p.stderr());
});

test(
  'an S3 outage when a worker takes a video re-queues it; it is analysed once S3 is back',
  { skip: process.env.KADR_TEST_S3 !== '1' && 'needs the S3 test server' },
  async () => {
    const api = await start(['serve', '--port', '0', '--concurrency', '0']);
    const short = await faceVideo();
    const [v] = (await upload(api.url, [short])).body.items as [VideoJson];
    await killRgw();
    let worker: KadrProcess;
    try {
      worker = await start(['worker', '--concurrency', '1'], /(running) 1 worker/);
      await pollUntil(
        async () => worker.stderr().includes('object store unavailable'),
        Boolean,
        'the worker to find S3 down',
        { timeoutMs: 60_000, everyMs: 200 },
      );
      const during = await getVideo(api.url, v.id);
      assert.ok(
        ['queued', 'processing'].includes(during.status),
        `not failed during the outage: ${during.status}`,
      );
    } finally {
      await startRgw();
    }
    const final = (await pollUntil(() => getVideo(api.url, v.id), finished, 'the video after the outage')).at(
      -1,
    )!;
    assert.equal(final.status, 'done', JSON.stringify(final));
    assert.equal(final.facesSoFar, short.faces);
    for (const p of [api, worker!]) assert.equal(await p.stop(), 0, p.stderr());
  },
);
