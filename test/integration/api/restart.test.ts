/**
 * "A restart loses no video and no job": `kadr serve` stopped (SIGTERM) and killed (kill -9)
 * while a video is mid-way; the next `kadr serve` on the same database and data folder finishes
 * it, from its saved state, with the exact face count (nothing counted twice).
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { getVideo, pollUntil, upload, type VideoJson } from './support/http.js';
import { kadrEnv, startKadr, type KadrProcess } from './support/kadr-process.js';
import { longFaceVideo } from './support/test-videos.js';

let tdb: TestDatabase;
let dataDir: string;
const running: KadrProcess[] = [];

before(async () => {
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-restart-'));
  await chmod(dataDir, 0o755);
});
after(async () => {
  for (const k of running) await k.kill9();
  await tdb?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

async function serve(): Promise<KadrProcess> {
  const k = await startKadr(
    ['serve', '--port', '0', '--data', dataDir, '--concurrency', '1'],
    // A dead worker's video is re-queued after 3 s without heartbeats (default 15 s).
    kadrEnv({ DATABASE_URL: tdb.url, KADR_ANALYSIS_THREADS: '1', KADR_STALE_AFTER_MS: '3000' }),
  );
  running.push(k);
  return k;
}

const finished = (v: VideoJson) => ['done', 'failed', 'cancelled'].includes(v.status);

async function midway(base: string, id: string): Promise<VideoJson> {
  const v = (
    await pollUntil(
      () => getVideo(base, id),
      (v) => (v.status === 'processing' && v.framesProcessed >= 30) || finished(v),
      'mid-way',
      { everyMs: 20 },
    )
  ).at(-1)!;
  assert.equal(v.status, 'processing');
  return v;
}

for (const how of ['SIGTERM', 'kill -9'] as const) {
  test(`after ${how} mid-job, the next kadr serve finishes the video exactly`, async () => {
    const video = await longFaceVideo(4);
    const first = await serve();
    const [v] = (await upload(first.url, [video])).body.items as [VideoJson];
    const before = await midway(first.url, v.id);
    if (how === 'SIGTERM') {
      assert.equal(await first.stop(), 0, first.stderr());
      // A clean stop saves the state and hands the video back to the queue at once.
      const second = await serve();
      const saved = await getVideo(second.url, v.id);
      assert.ok(saved.framesProcessed >= before.framesProcessed);
      assert.ok(['queued', 'processing'].includes(saved.status), saved.status);
    } else {
      await first.kill9();
    }
    const next = how === 'SIGTERM' ? running.at(-1)! : await serve();
    const seen = await pollUntil(
      () => getVideo(next.url, v.id),
      finished,
      'the video to finish after the restart',
    );
    for (const s of seen) assert.ok(s.framesProcessed >= before.framesProcessed, 'it resumed, not restarted');
    const final = seen.at(-1)!;
    assert.equal(final.status, 'done', JSON.stringify(final));
    assert.equal(final.framesProcessed, video.frames);
    assert.equal(final.facesSoFar, video.faces);
    assert.equal(await next.stop(), 0, next.stderr());
  });
}
