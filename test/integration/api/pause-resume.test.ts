/**
 * Pause, resume, cancel over HTTP on a real `kadr serve`: each takes effect within a second,
 * and resume continues from where the video stopped (never from frame 0), ending at the known
 * face count with no frame counted twice.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { getVideo, pollUntil, post, sleep, upload, type VideoJson } from './support/http.js';
import { kadrEnv, startKadr, type KadrProcess } from './support/kadr-process.js';
import { longFaceVideo } from './support/test-videos.js';

let tdb: TestDatabase;
let dataDir: string;
let kadr: KadrProcess;

before(async () => {
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-pause-'));
  await chmod(dataDir, 0o755);
  // One video at a time, one inference thread: slow enough to catch a video mid-way.
  kadr = await startKadr(
    ['serve', '--port', '0', '--data', dataDir, '--concurrency', '1'],
    kadrEnv({ DATABASE_URL: tdb.url, KADR_ANALYSIS_THREADS: '1' }),
  );
});
after(async () => {
  const code = await kadr?.stop();
  await tdb?.drop();
  await rm(dataDir, { recursive: true, force: true });
  assert.equal(code, 0, `kadr serve did not stop cleanly:\n${kadr?.stderr()}`);
});

const get = (id: string) => getVideo(kadr.url, id);
const finished = (v: VideoJson) => ['done', 'failed', 'cancelled'].includes(v.status);

/** Waits until the video is processing and has some frames behind it, but not all. */
async function midway(id: string): Promise<VideoJson> {
  const seen = await pollUntil(
    () => get(id),
    (v) => (v.status === 'processing' && v.framesProcessed >= 20) || finished(v),
    'the video to be mid-way',
    { everyMs: 20 },
  );
  const v = seen.at(-1)!;
  assert.equal(v.status, 'processing', `caught mid-way (not already ${v.status})`);
  return v;
}

/** After the request, within one second, the worker must have stopped: nothing changes any more. */
async function assertStoppedWithinASecond(id: string): Promise<VideoJson> {
  await sleep(1000);
  const a = await get(id);
  await sleep(1000);
  const b = await get(id);
  assert.equal(
    b.framesProcessed,
    a.framesProcessed,
    'no frame processed more than a second after the request',
  );
  assert.equal(b.facesSoFar, a.facesSoFar);
  return b;
}

test('pause stops within a second; resume continues from there to the exact face count', async () => {
  const video = await longFaceVideo(4);
  const [v] = (await upload(kadr.url, [video])).body.items as [VideoJson];
  await midway(v.id);
  const paused = await post(kadr.url, `/api/videos/${v.id}/pause`);
  assert.equal(paused.status, 200);
  assert.equal(paused.body.status, 'paused');
  const still = await assertStoppedWithinASecond(v.id);
  assert.equal(still.status, 'paused');
  assert.ok(
    still.framesProcessed > 0 && still.framesProcessed < video.frames,
    `paused mid-way at ${still.framesProcessed}`,
  );
  // pausing again is harmless
  assert.equal((await post(kadr.url, `/api/videos/${v.id}/pause`)).body.status, 'paused');

  const resumed = await post(kadr.url, `/api/videos/${v.id}/resume`);
  assert.equal(resumed.status, 200);
  assert.ok(['queued', 'processing'].includes(resumed.body.status));
  const after = await pollUntil(() => get(v.id), finished, 'the resumed video to finish', { everyMs: 20 });
  for (const s of after) {
    assert.ok(
      s.framesProcessed >= still.framesProcessed,
      `resume continued from ${still.framesProcessed}, saw ${s.framesProcessed}`,
    );
  }
  const final = after.at(-1)!;
  assert.equal(final.status, 'done');
  assert.equal(final.framesProcessed, video.frames);
  assert.equal(final.facesSoFar, video.faces, 'no frame counted twice or skipped across the pause');
  assert.equal(
    final.facesPerSecond!.reduce((a, b) => a + b, 0),
    video.faces,
  );
});

test('cancel stops within a second and is final', async () => {
  const video = await longFaceVideo(4);
  const [v] = (await upload(kadr.url, [video])).body.items as [VideoJson];
  await midway(v.id);
  const cancelled = await post(kadr.url, `/api/videos/${v.id}/cancel`);
  assert.equal(cancelled.status, 200);
  assert.equal(cancelled.body.status, 'cancelled');
  const still = await assertStoppedWithinASecond(v.id);
  assert.equal(still.status, 'cancelled');
  assert.ok(still.framesProcessed < video.frames);
  assert.equal((await post(kadr.url, `/api/videos/${v.id}/resume`)).status, 409);
  assert.equal((await post(kadr.url, `/api/videos/${v.id}/pause`)).status, 409);
});

test('a queued video can be paused before it starts, and resumed', async () => {
  const video = await longFaceVideo(2);
  const { items } = (await upload(kadr.url, [video, video])).body;
  const [first, second] = items as [VideoJson, VideoJson];
  const paused = await post(kadr.url, `/api/videos/${second.id}/pause`);
  assert.equal(paused.body.status, 'paused');
  await pollUntil(() => get(first.id), finished, 'the first video');
  await sleep(1500); // a free worker must not pick up a paused video
  const stillPaused = await get(second.id);
  assert.equal(stillPaused.status, 'paused');
  assert.equal(stillPaused.framesProcessed, 0);
  await post(kadr.url, `/api/videos/${second.id}/resume`);
  const final = (await pollUntil(() => get(second.id), finished, 'the second video')).at(-1)!;
  assert.equal(final.status, 'done');
  assert.equal(final.facesSoFar, video.faces);
});

test('deleting a video that is being processed stops its worker', async () => {
  const video = await longFaceVideo(4);
  const [v] = (await upload(kadr.url, [video])).body.items as [VideoJson];
  await midway(v.id);
  assert.equal((await fetch(`${kadr.url}/api/videos/${v.id}`, { method: 'DELETE' })).status, 204);
  assert.equal((await fetch(`${kadr.url}/api/videos/${v.id}`)).status, 404);
  // the worker is free again: a new video gets processed
  const [next] = (await upload(kadr.url, [await longFaceVideo(2)])).body.items as [VideoJson];
  const final = (await pollUntil(() => get(next.id), finished, 'the next video')).at(-1)!;
  assert.equal(final.status, 'done');
  assert.doesNotMatch(kadr.stderr(), /"level":"error"/);
});

test('a video whose stored file disappeared fails with a clear error instead of hanging', async () => {
  const busy = await longFaceVideo(2);
  const { items } = (await upload(kadr.url, [busy, busy])).body;
  const [first, second] = items as [VideoJson, VideoJson];
  assert.equal((await post(kadr.url, `/api/videos/${second.id}/pause`)).body.status, 'paused');
  await rm(path.join(dataDir, 'objects', 'videos', second.id), { recursive: true, force: true });
  await post(kadr.url, `/api/videos/${second.id}/resume`);
  await pollUntil(() => get(first.id), finished, 'the first video');
  const final = (await pollUntil(() => get(second.id), finished, 'the second video')).at(-1)!;
  assert.equal(final.status, 'failed');
  assert.equal(final.errorCode, 'KADR_ERR_STORAGE_NOT_FOUND');
  assert.match(final.error ?? '', /missing from storage/);
});
