/**
 * docs/api.md over real HTTP against a real `kadr serve` process and a real PostgreSQL: several
 * videos uploaded at once, progress rising and facesSoFar growing while they run, final face
 * counts equal to the known truth, broken and non-video uploads failing cleanly, live events,
 * the OpenAPI document.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { getVideo, pollUntil, post, upload, type VideoJson } from './support/http.js';
import { kadrEnv, startKadr, type KadrProcess } from './support/kadr-process.js';
import { collectSse } from './support/sse.js';
import { corruptVideo, faceVideo, longFaceVideo, textFile, truncatedVideo } from './support/test-videos.js';

let tdb: TestDatabase;
let dataDir: string;
let kadr: KadrProcess;

before(async () => {
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-api-'));
  await chmod(dataDir, 0o755);
  kadr = await startKadr(
    ['serve', '--port', '0', '--data', dataDir, '--concurrency', '2'],
    kadrEnv({ DATABASE_URL: tdb.url, KADR_UPLOAD_MAX_BYTES: '8M' }),
  );
  // Left open on purpose: a live-event client must not keep kadr from stopping (checked in after()).
  await collectSse(`${kadr.url}/api/videos/events`);
});
after(async () => {
  const code = await kadr?.stop();
  await tdb?.drop();
  await rm(dataDir, { recursive: true, force: true });
  assert.equal(code, 0, `kadr serve did not stop cleanly:\n${kadr?.stderr()}`);
});

const isDone = (v: VideoJson) => ['done', 'failed', 'cancelled'].includes(v.status);

test('several videos at once: progress rises, facesSoFar grows, final counts match the truth', async () => {
  const long = await longFaceVideo(3);
  const short = await faceVideo();
  const sse = await collectSse(`${kadr.url}/api/videos/events`);
  const res = await upload(kadr.url, [long, short]);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.items.length, 2);
  const [longV, shortV] = res.body.items as [VideoJson, VideoJson];
  assert.equal(longV.filename, long.name);
  assert.equal(longV.status, 'queued');

  const seen = await pollUntil(() => getVideo(kadr.url, longV.id), isDone, 'the long video to finish');
  const final = seen.at(-1)!;
  assert.equal(final.status, 'done', JSON.stringify(final));
  assert.equal(final.progress, 100);
  assert.equal(final.framesProcessed, long.frames);
  assert.equal(final.totalFrames, long.frames);
  assert.equal(final.facesSoFar, long.faces, 'face detections over all frames = the known truth');
  assert.ok(final.framesWithFaces > 0 && final.framesWithFaces <= long.frames);
  assert.ok(Array.isArray(final.facesPerSecond));
  assert.equal(
    final.facesPerSecond!.reduce((a, b) => a + b, 0),
    final.facesSoFar,
  );

  // While it ran: progress strictly between 0 and 100, and facesSoFar seen growing, never shrinking.
  const running = seen.filter((v) => v.status === 'processing');
  assert.ok(
    running.some((v) => v.progress > 0 && v.progress < 100),
    'an intermediate progress was visible',
  );
  const faces = running.map((v) => v.facesSoFar);
  assert.ok(
    new Set(faces.filter((f) => f > 0)).size >= 2,
    `facesSoFar grew while processing: ${faces.join(',')}`,
  );
  for (let i = 1; i < seen.length; i++) {
    assert.ok(seen[i]!.framesProcessed >= seen[i - 1]!.framesProcessed, 'progress never goes back');
    assert.ok(seen[i]!.facesSoFar >= seen[i - 1]!.facesSoFar, 'facesSoFar never goes back');
  }

  const shortFinal = (await pollUntil(() => getVideo(kadr.url, shortV.id), isDone, 'the short video')).at(
    -1,
  )!;
  assert.equal(shortFinal.status, 'done');
  assert.equal(shortFinal.facesSoFar, short.faces);

  // Live events carried the same story (they may trail the poll by a moment).
  const doneEvent = (e: { event: string; data: unknown }) =>
    e.event === 'video' && (e.data as VideoJson).id === longV.id && (e.data as VideoJson).status === 'done';
  await pollUntil(async () => sse.events.some(doneEvent), Boolean, 'the done event', { timeoutMs: 10_000 });
  sse.stop();
  const longEvents = sse.events
    .filter((e) => e.event === 'video' && (e.data as VideoJson).id === longV.id)
    .map((e) => e.data as VideoJson);
  assert.ok(longEvents.some((v) => v.status === 'processing' && v.progress > 0 && v.progress < 100));
  assert.equal(longEvents.at(-1)?.status, 'done');
});

test('corrupt, truncated and non-video uploads end as failed with a readable error', async () => {
  const files = [await corruptVideo(), await truncatedVideo(), textFile()];
  const res = await upload(kadr.url, files);
  assert.equal(res.status, 201);
  for (const v of res.body.items) {
    const final = (await pollUntil(() => getVideo(kadr.url, v.id), isDone, `${v.filename} to fail`)).at(-1)!;
    assert.equal(final.status, 'failed', JSON.stringify(final));
    assert.ok(final.error && final.error.length > 5, 'a readable error');
    assert.match(final.errorCode ?? '', /^KADR_ERR_INPUT_/);
    assert.ok(!final.error!.includes(dataDir), `the error does not leak server paths: ${final.error}`);
  }
  // The server is still fine.
  assert.equal((await fetch(`${kadr.url}/api/videos`)).status, 200);
});

test('an upload over the size limit is refused with 413 and leaves nothing behind', async () => {
  const big = { name: 'big.mp4', data: Buffer.alloc(9 * 1024 * 1024, 1) };
  const res = await upload(kadr.url, [big]);
  assert.equal(res.status, 413);
  assert.equal(res.body.error?.message.includes('limit'), true);
  const list = (await (await fetch(`${kadr.url}/api/videos?size=500`)).json()) as { items: VideoJson[] };
  assert.ok(!list.items.some((v) => v.filename === 'big.mp4'));
});

test('listing pages; unknown ids are 404; impossible transitions are 409; bad input is 400', async () => {
  const page1 = (await (await fetch(`${kadr.url}/api/videos?size=2`)).json()) as {
    items: VideoJson[];
    hasNextPage: boolean;
  };
  assert.equal(page1.items.length, 2);
  assert.equal(page1.hasNextPage, true);
  const all = (await (await fetch(`${kadr.url}/api/videos?size=500`)).json()) as { items: VideoJson[] };
  const last = (await (
    await fetch(`${kadr.url}/api/videos?size=2&page=${Math.ceil(all.items.length / 2)}`)
  ).json()) as {
    hasNextPage: boolean;
  };
  assert.equal(last.hasNextPage, false);

  const failed = (await (await fetch(`${kadr.url}/api/videos?status=failed&size=500`)).json()) as {
    items: VideoJson[];
  };
  assert.ok(failed.items.length >= 3);
  assert.ok(failed.items.every((v) => v.status === 'failed'));
  const missing = await fetch(`${kadr.url}/api/videos/${randomUUID()}`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'KADR_ERR_NOT_FOUND');
  const done = all.items.find((v) => v.status === 'done')!;
  const conflict = await post(kadr.url, `/api/videos/${done.id}/pause`);
  assert.equal(conflict.status, 409);
  assert.equal((await fetch(`${kadr.url}/api/videos/not-a-uuid`)).status, 400);
  assert.equal((await fetch(`${kadr.url}/api/videos?size=100000`)).status, 400);
  const notMultipart = await fetch(`${kadr.url}/api/videos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  assert.ok(notMultipart.status >= 400 && notMultipart.status < 500);
  const empty = await fetch(`${kadr.url}/api/videos`, { method: 'POST', body: new FormData() });
  assert.ok(empty.status >= 400 && empty.status < 500);
});

test('delete removes the video and its stored file', async () => {
  const res = await upload(kadr.url, [textFile()]);
  const v = res.body.items[0]!;
  await pollUntil(() => getVideo(kadr.url, v.id), isDone, 'the text file to fail');
  const dir = path.join(dataDir, 'objects', 'videos', v.id);
  assert.ok(existsSync(dir));
  assert.equal((await fetch(`${kadr.url}/api/videos/${v.id}`, { method: 'DELETE' })).status, 204);
  assert.equal((await fetch(`${kadr.url}/api/videos/${v.id}`)).status, 404);
  assert.equal((await fetch(`${kadr.url}/api/videos/${v.id}`, { method: 'DELETE' })).status, 404);
  assert.ok(!existsSync(path.join(dir, 'source')));
});

test('OpenAPI 3 at /api/openapi.json describes every route; docs at /api/docs', async () => {
  const doc = (await (await fetch(`${kadr.url}/api/openapi.json`)).json()) as {
    openapi: string;
    paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  };
  assert.match(doc.openapi, /^3\./);
  for (const p of [
    '/api/videos',
    '/api/videos/{id}',
    '/api/videos/{id}/pause',
    '/api/videos/{id}/resume',
    '/api/videos/{id}/cancel',
    '/api/videos/events',
  ]) {
    assert.ok(doc.paths[p], `${p} is documented`);
    for (const op of Object.values(doc.paths[p]!)) assert.ok(Object.keys(op.responses).length > 0);
  }
  assert.ok(doc.paths['/api/videos']!.post, 'upload is documented');
  const list = doc.paths['/api/videos']!.get as unknown as {
    parameters: { name: string; required?: boolean }[];
  };
  assert.ok(
    list.parameters.every((p) => !p.required),
    'paging parameters are optional',
  );
  assert.ok(
    JSON.stringify(doc).includes('"enum":["queued","processing","paused","done","failed","cancelled"]'),
  );
  const docs = await fetch(`${kadr.url}/api/docs`);
  assert.equal(docs.status, 200);
  assert.match(docs.headers.get('content-type') ?? '', /html/);
});
