/**
 * ProfilesService.saveVideoPeople on a real PostgreSQL: two people that clustering kept apart in one
 * video stay two profiles even when their faces are within the profile-match distance of each other
 * (on the evaluation set that match merged the two people of one clip, docs/analytics-evaluation.md);
 * a later video's person still joins the nearest of them.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { VideoPerson } from '../../../src/analytics/index.js';
import { ProfilesService } from '../../../src/app/profiles/profiles.service.js';
import { stderrLogger } from '../../../src/core/logger.js';
import { migrate, ProfilesRepository, VideosRepository } from '../../../src/db/index.js';
import { objectStoreFromEnv } from '../../../src/storage/index.js';
import { createTestDatabase, type TestDatabase } from '../api/support/database.js';

let tdb: TestDatabase;
let pool: pg.Pool;
let dir: string;
let service: ProfilesService;
let videos: VideosRepository;

before(async () => {
  tdb = await createTestDatabase();
  pool = new pg.Pool({ connectionString: tdb.url, max: 2 });
  await migrate(pool, stderrLogger('warn'));
  dir = await mkdtemp(path.join(os.tmpdir(), 'kadr-same-video-'));
  service = new ProfilesService({
    repo: new ProfilesRepository(pool),
    store: objectStoreFromEnv({}, { dir }),
    log: stderrLogger('warn'),
    sameDistance: 0.55,
  });
  videos = new VideosRepository(pool);
});
after(async () => {
  await pool?.end();
  await tdb?.drop();
  await rm(dir, { recursive: true, force: true });
});

/** A 128-d embedding with `values` at the given axes. */
function emb(values: Record<number, number>): Float32Array {
  const e = new Float32Array(128);
  for (const [axis, v] of Object.entries(values)) e[Number(axis)] = v;
  return e;
}

function person(embeddings: Float32Array[], firstMs: number): VideoPerson {
  return {
    profileId: null,
    matchDistance: null,
    embeddings,
    embeddingMs: embeddings.map(() => firstMs),
    centroid: embeddings[0]!,
    crop: Buffer.from('not really a jpeg'),
    cropFrameIndex: 0,
    cropMs: firstMs,
    cropQuality: 0.5,
    appearances: [{ firstMs, lastMs: firstMs + 1000, frames: 10 }],
    trackIds: [firstMs],
  };
}

async function video(): Promise<string> {
  const id = randomUUID();
  await videos.insert({
    id,
    filename: `${id}.mp4`,
    contentType: 'video/mp4',
    sizeBytes: 1,
    objectKey: `videos/${id}`,
  });
  return id;
}

test('two people of one video stay two profiles however close; a later video joins the nearest', async () => {
  const a = emb({ 0: 1 });
  const b = emb({ 0: 1, 1: 0.4 }); // 0.4 from a: under 0.55
  const first = await service.saveVideoPeople(await video(), {
    totalFrames: 100,
    people: [person([a], 0), person([b], 2000)],
  });
  assert.equal(first.length, 2);
  assert.notEqual(first[0], first[1], 'the second person joined the profile the first had just made');
  const later = await service.saveVideoPeople(await video(), {
    totalFrames: 100,
    people: [person([emb({ 0: 1, 1: 0.35 })], 0)],
  });
  assert.deepEqual(later, [first[1]]);
});
