/**
 * The profiles suite, run once per storage backend (profiles-api.test.ts: a folder on disk;
 * profiles-api-s3.test.ts: the test S3 server). docs/profiles.md over real HTTP against a real `kadr serve` and a real PostgreSQL: videos uploaded with
 * autoProfiles become exactly one profile per person (crops checked by embedding against the source
 * photos), the same people in another video join those profiles, uploading the same people again
 * adds no profile, re-processing a video replaces its contribution, deleting a video keeps the
 * people seen elsewhere, deleting a profile removes its crop; keyset pages; validation (422).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import {
  analyzeVideoPeople,
  ChipEmbedder,
  embeddingDistance,
  FaceDetector,
} from '../../../src/analytics/index.js';
import { ProfilesService } from '../../../src/app/profiles/profiles.service.js';
import { stderrLogger } from '../../../src/core/logger.js';
import { ProfilesRepository } from '../../../src/db/index.js';
import { objectStoreFromEnv, type ObjectStore } from '../../../src/storage/index.js';
import { createTestDatabase, type TestDatabase } from '../api/support/database.js';
import { getVideo, pollUntil, type VideoJson } from '../api/support/http.js';
import { kadrEnv, startKadr, type KadrProcess } from '../api/support/kadr-process.js';
import { generatePeopleVideo, VIDEO_1, VIDEO_2, VIDEO_3, type PeopleVideo } from './people-video.js';
import { jpegEmbedding, photoEmbedding } from './photo-faces.js';

interface ProfileJson {
  id: string;
  cropUrl: string | null;
  lastName: string | null;
  firstName: string | null;
  middleName: string | null;
  gender: string | null;
  birthDate: string | null;
  videos: { id: string; name: string; link: string; firstMs: number; lastMs: number; spans: unknown[] }[];
}
type VideoWithPeople = VideoJson & {
  peopleCount?: number | null;
  profiles?: { id: string; link: string; firstMs: number; lastMs: number }[];
};

export function profilesApiSuite(backend: 'fs' | 's3'): void {
  let store: ObjectStore;
  let tdb: TestDatabase;
  let dataDir: string;
  let kadr: KadrProcess;
  let detector: FaceDetector;
  let embedder: ChipEmbedder;
  let video1: PeopleVideo;
  let video2: PeopleVideo;
  const ids: Record<string, string> = {};
  /** profile id → photo it shows */
  const who = new Map<string, string>();

  before(async () => {
    tdb = await createTestDatabase();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-profiles-'));
    await chmod(dataDir, 0o755);
    if (backend === 's3' && process.env.KADR_TEST_S3 !== '1') {
      throw new Error('the test S3 server is not running: run through scripts/run-tests.ts');
    }
    const env = kadrEnv(
      {
        DATABASE_URL: tdb.url,
        ...(backend === 's3' ? { S3_BUCKET: `kadr-profiles-${randomBytes(4).toString('hex')}` } : {}),
      },
      backend === 's3',
    );
    store = objectStoreFromEnv(env, { dir: path.join(dataDir, 'objects') });
    video1 = await generatePeopleVideo('people-1', VIDEO_1);
    video2 = await generatePeopleVideo('people-2', VIDEO_2, 80);
    detector = await FaceDetector.create();
    embedder = await ChipEmbedder.create();
    kadr = await startKadr(['serve', '--port', '0', '--data', dataDir, '--concurrency', '2'], env);
  });
  after(async () => {
    const code = await kadr?.stop();
    await detector?.close();
    await embedder?.close();
    await tdb?.drop();
    await rm(dataDir, { recursive: true, force: true });
    assert.equal(code, 0, `kadr serve did not stop cleanly:\n${kadr?.stderr()}`);
  });

  async function uploadVideo(file: string, name: string, autoProfiles: boolean | undefined): Promise<string> {
    const form = new FormData();
    if (autoProfiles !== undefined) form.append('autoProfiles', String(autoProfiles));
    form.append('files', new Blob([await readFile(file)], { type: 'video/mp4' }), name);
    const res = await fetch(`${kadr.url}/api/videos`, { method: 'POST', body: form });
    const body = (await res.json()) as { items: VideoJson[] };
    assert.equal(res.status, 201, JSON.stringify(body));
    const id = body.items[0]!.id;
    const seen = await pollUntil(
      () => getVideo(kadr.url, id),
      (v) => ['done', 'failed', 'cancelled'].includes(v.status),
      `${name} to finish`,
    );
    assert.equal(seen.at(-1)!.status, 'done', JSON.stringify(seen.at(-1)));
    return id;
  }

  async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
    const res = await fetch(`${kadr.url}${url}`, init);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }

  async function allProfiles(limit = 100): Promise<ProfileJson[]> {
    const out: ProfileJson[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/profiles?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await json<{ items: ProfileJson[]; nextCursor: string | null }>(q);
      assert.equal(res.status, 200);
      out.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return out;
  }

  /** The photo a profile's crop shows (nearest source photo by embedding, which must be < 0.6). */
  async function cropShows(profile: ProfileJson, photos: string[]): Promise<string> {
    assert.ok(profile.cropUrl);
    const res = await fetch(`${kadr.url}${profile.cropUrl}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    const e = await jpegEmbedding(detector, embedder, Buffer.from(await res.arrayBuffer()));
    let best = { photo: '', d: Infinity };
    for (const p of photos) {
      const d = embeddingDistance(e, await photoEmbedding(detector, embedder, p));
      if (d < best.d) best = { photo: p, d };
    }
    assert.ok(best.d < 0.6, `crop of ${profile.id} is ${best.photo} at ${best.d}`);
    return best.photo;
  }

  const cropStored = async (profileId: string) =>
    (await store.head(`profiles/${profileId}/crop.jpg`)) !== null;

  test('three known people in a video, one leaving and coming back: exactly three profiles, right crops', async () => {
    ids.a = await uploadVideo(video1.file, 'people-1.mp4', true);
    const profiles = await allProfiles();
    assert.equal(profiles.length, 3);
    const shown = [];
    for (const p of profiles) {
      const photo = await cropShows(p, video1.photos);
      who.set(p.id, photo);
      shown.push(photo);
      assert.equal(p.videos.length, 1);
      assert.equal(p.videos[0]!.id, ids.a);
      assert.equal(p.videos[0]!.name, 'people-1.mp4');
      assert.equal(p.videos[0]!.link, `/api/videos/${ids.a}`);
      assert.ok(p.videos[0]!.lastMs > p.videos[0]!.firstMs);
      assert.ok(await cropStored(p.id));
    }
    assert.deepEqual(shown.sort(), [...video1.photos].sort());
    const c = profiles.find((p) => who.get(p.id) === 'person-c_1.jpg')!;
    assert.equal(c.videos[0]!.spans.length, 2, 'person-c left and came back: two spans, one profile');

    const video = (await json<VideoWithPeople>(`/api/videos/${ids.a}`)).body;
    assert.equal(video.peopleCount, 3);
    assert.deepEqual(video.profiles!.map((p) => p.id).sort(), profiles.map((p) => p.id).sort());
    assert.ok(video.profiles!.every((p) => p.link === `/api/profiles/${p.id}`));
  });

  test('the same face in a second video joins its existing profile; a new face makes one more', async () => {
    ids.b = await uploadVideo(video2.file, 'people-2.mp4', true);
    const profiles = await allProfiles();
    assert.equal(profiles.length, 4);
    const f = profiles.filter((p) => who.get(p.id) === 'person-f_1.jpg');
    assert.equal(f.length, 1);
    assert.deepEqual(f[0]!.videos.map((v) => v.id).sort(), [ids.a, ids.b].sort());
    const fresh = profiles.filter((p) => !who.has(p.id));
    assert.equal(fresh.length, 1);
    assert.equal(await cropShows(fresh[0]!, ['person-e_1.jpg', ...video1.photos]), 'person-e_1.jpg');
    who.set(fresh[0]!.id, 'person-e_1.jpg');
    assert.equal((await json<VideoWithPeople>(`/api/videos/${ids.b}`)).body.peopleCount, 2);
  });

  test('uploading the same people again adds appearances, not profiles; without autoProfiles nothing', async () => {
    ids.c = await uploadVideo(video2.file, 'people-2-again.mp4', true);
    ids.d = await uploadVideo(video1.file, 'people-1-plain.mp4', undefined);
    const profiles = await allProfiles();
    assert.equal(profiles.length, 4);
    const e = profiles.find((p) => who.get(p.id) === 'person-e_1.jpg')!;
    assert.deepEqual(e.videos.map((v) => v.id).sort(), [ids.b, ids.c].sort());
    const plain = (await json<VideoWithPeople>(`/api/videos/${ids.d}`)).body;
    assert.equal(plain.peopleCount, null);
    assert.deepEqual(plain.profiles, []);
  });

  test('two videos with the same new person processed at once make one profile; no faces, no people', async () => {
    const video3 = await generatePeopleVideo('people-3', VIDEO_3, 50);
    const empty = await generatePeopleVideo('people-none', [], 20);
    const form = new FormData();
    form.append('autoProfiles', 'true');
    const bytes = await readFile(video3.file);
    form.append('files', new Blob([bytes], { type: 'video/mp4' }), 'g-cam1.mp4');
    form.append('files', new Blob([bytes], { type: 'video/mp4' }), 'g-cam2.mp4');
    form.append('files', new Blob([await readFile(empty.file)], { type: 'video/mp4' }), 'nobody.mp4');
    const res = await fetch(`${kadr.url}/api/videos`, { method: 'POST', body: form });
    assert.equal(res.status, 201);
    const uploaded = ((await res.json()) as { items: VideoJson[] }).items.map((v) => v.id);
    for (const id of uploaded) {
      const seen = await pollUntil(
        () => getVideo(kadr.url, id),
        (v) => ['done', 'failed', 'cancelled'].includes(v.status),
        'the videos to finish',
      );
      assert.equal(seen.at(-1)!.status, 'done');
    }
    const profiles = await allProfiles();
    assert.equal(profiles.length, 5);
    const g = profiles.filter((p) => !who.has(p.id));
    assert.equal(g.length, 1, 'one profile for person-g, not one per video');
    assert.equal(
      await cropShows(g[0]!, ['person-g_1.jpg', 'person-f_1.jpg', 'person-e_1.jpg']),
      'person-g_1.jpg',
    );
    assert.deepEqual(g[0]!.videos.map((v) => v.id).sort(), uploaded.slice(0, 2).sort());
    who.set(g[0]!.id, 'person-g_1.jpg');
    const nobody = (await json<VideoWithPeople>(`/api/videos/${uploaded[2]}`)).body;
    assert.equal(nobody.peopleCount, 0);
    assert.deepEqual(nobody.profiles, []);
  });

  test('re-processing the same video does not duplicate profiles or appearances', async () => {
    const pool = new pg.Pool({ connectionString: tdb.url, max: 2 });
    try {
      const service = new ProfilesService({
        repo: new ProfilesRepository(pool),
        store,
        log: stderrLogger('warn'),
        sameDistance: 0.6,
      });
      const before = await allProfiles();
      const result = await analyzeVideoPeople(video2.file);
      const saved = await service.saveVideoPeople(ids.b!, result);
      assert.equal(saved.length, 2);
      const after = await allProfiles();
      assert.deepEqual(after.map((p) => p.id).sort(), before.map((p) => p.id).sort());
      for (const p of after) {
        const was = before.find((q) => q.id === p.id)!;
        assert.deepEqual(p.videos.map((v) => v.id).sort(), was.videos.map((v) => v.id).sort());
      }
      const { rows } = await pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM profile_appearances WHERE video_id = $1',
        [ids.b],
      );
      assert.equal(Number(rows[0]!.n), 2);
      // A video deleted while its people were being found: nothing is stored for it.
      assert.deepEqual(await service.saveVideoPeople('00000000-0000-4000-8000-000000000001', result), []);
      assert.equal((await allProfiles()).length, before.length);
    } finally {
      await pool.end();
    }
  });

  test('PATCH validates every field (422, one message each, nothing half-saved) and saves valid data', async () => {
    const id = [...who].find(([, photo]) => photo === 'person-e_1.jpg')![0];
    const patch = (body: unknown, raw?: string) =>
      json<{ error?: { code: string; fields: Record<string, string> } } & ProfileJson>(
        `/api/profiles/${id}`,
        {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          body: raw ?? JSON.stringify(body),
        },
      );
    const bad = await patch({
      lastName: 'Smith1',
      firstName: 'Анна',
      gender: 'robot',
      birthDate: '1990-02-30',
    });
    assert.equal(bad.status, 422);
    assert.deepEqual(Object.keys(bad.body.error!.fields).sort(), ['birthDate', 'gender', 'lastName']);
    assert.equal((await json<ProfileJson>(`/api/profiles/${id}`)).body.firstName, null, 'nothing half-saved');

    const future = new Date(Date.now() + 3 * 86400_000).toISOString().slice(0, 10);
    assert.match((await patch({ birthDate: future })).body.error!.fields.birthDate!, /future/);
    assert.match((await patch({ birthDate: '1899-12-31' })).body.error!.fields.birthDate!, /1900/);
    assert.match((await patch({ firstName: 'x'.repeat(101) })).body.error!.fields.firstName!, /100/);
    assert.match((await patch({ firstName: '   ' })).body.error!.fields.firstName!, /empty/);
    assert.match((await patch({ firstName: true })).body.error!.fields.firstName!, /string/);
    assert.match((await patch({ nickname: 'Bob' })).body.error!.fields.nickname!, /not a profile field/);
    assert.match((await patch({})).body.error!.fields.body!, /nothing to change/);
    const empty = await json<{ error: { fields: Record<string, string> } }>(`/api/profiles/${id}`, {
      method: 'PATCH',
    });
    assert.equal(empty.status, 422);
    assert.ok(empty.body.error.fields.body);

    const ok = await patch({
      lastName: '  Иванова-Петрова ',
      firstName: 'Zoë',
      middleName: "D’Arcy O'Neil",
      gender: 'female',
      birthDate: '1984-02-29',
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.lastName, 'Иванова-Петрова');
    assert.equal(ok.body.firstName, 'Zoë');
    assert.equal(ok.body.middleName, "D’Arcy O'Neil");
    assert.equal(ok.body.gender, 'female');
    assert.equal(ok.body.birthDate, '1984-02-29');
    const cleared = await patch({ middleName: null });
    assert.equal(cleared.status, 200);
    assert.equal(cleared.body.middleName, null);
    assert.equal(cleared.body.lastName, 'Иванова-Петрова');

    const emptyJson = await patch(undefined, '');
    assert.equal(emptyJson.status, 422);
    assert.match(emptyJson.body.error!.fields.body!, /JSON object/);
    const broken = await patch(undefined, '{"firstName": ');
    assert.equal(broken.status, 422);
    assert.match(broken.body.error!.fields.body!, /not valid JSON/);
    assert.equal((await patch({ firstName: 'Anna' })).status, 200);
    const missing = await json(`/api/profiles/00000000-0000-4000-8000-000000000000`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: '{"firstName":"Anna"}',
    });
    assert.equal(missing.status, 404);
    assert.equal((await json(`/api/profiles/not-a-uuid`, { method: 'PATCH', body: '{}' })).status, 400);
  });

  test('keyset pages: every profile once, bad cursor and limit refused', async () => {
    const all = await allProfiles(100);
    const paged = await allProfiles(1);
    assert.deepEqual(
      paged.map((p) => p.id),
      all.map((p) => p.id),
    );
    assert.equal(new Set(paged.map((p) => p.id)).size, paged.length);
    assert.equal((await json('/api/profiles?limit=101')).status, 400);
    assert.equal((await json('/api/profiles?limit=0')).status, 400);
    assert.equal((await json('/api/profiles?cursor=garbage')).status, 400);
    const doc = (await json<{ paths: Record<string, unknown> }>('/api/openapi.json')).body;
    for (const p of ['/api/profiles', '/api/profiles/{id}', '/api/profiles/{id}/crop'])
      assert.ok(doc.paths[p], p);
  });

  test('deleting a video keeps people seen elsewhere and drops its appearances', async () => {
    const before = await allProfiles();
    const c = before.find((p) => who.get(p.id) === 'person-c_1.jpg')!;
    const d = before.find((p) => who.get(p.id) === 'person-d_1.png')!;
    const f = before.find((p) => who.get(p.id) === 'person-f_1.jpg')!;
    // person-c gets a name: a person typed it, so the profile stays even when no video shows them.
    assert.equal(
      (
        await json(`/api/profiles/${c.id}`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ firstName: 'Grace' }),
        })
      ).status,
      200,
    );
    assert.equal((await fetch(`${kadr.url}/api/videos/${ids.a}`, { method: 'DELETE' })).status, 204);
    const after = await allProfiles();
    const afterIds = after.map((p) => p.id);
    assert.ok(!afterIds.includes(d.id), 'person-d was only in the deleted video');
    assert.ok(!(await cropStored(d.id)), "person-d's crop is gone from storage");
    const f2 = after.find((p) => p.id === f.id)!;
    assert.deepEqual(f2.videos.map((v) => v.id).sort(), [ids.b, ids.c].sort());
    const c2 = after.find((p) => p.id === c.id)!;
    assert.deepEqual(c2.videos, []);
    assert.equal(c2.firstName, 'Grace');
  });

  test('deleting a profile removes it and its crop', async () => {
    const e = (await allProfiles()).find((p) => who.get(p.id) === 'person-e_1.jpg')!;
    assert.ok(await cropStored(e.id));
    assert.equal((await fetch(`${kadr.url}/api/profiles/${e.id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await json(`/api/profiles/${e.id}`)).status, 404);
    assert.equal((await fetch(`${kadr.url}/api/profiles/${e.id}/crop`)).status, 404);
    assert.ok(!(await cropStored(e.id)));
    assert.equal((await fetch(`${kadr.url}/api/profiles/${e.id}`, { method: 'DELETE' })).status, 404);
    const v = (await json<VideoWithPeople>(`/api/videos/${ids.b}`)).body;
    assert.ok(!v.profiles!.some((p) => p.id === e.id));
  });

  test('pause during the people pass stops it within a second; resume builds the profiles', async () => {
    const long = await generatePeopleVideo('people-1-long', VIDEO_1, 360);
    const form = new FormData();
    form.append('autoProfiles', 'yes');
    form.append('files', new Blob([await readFile(long.file)], { type: 'video/mp4' }), 'people-1-long.mp4');
    const res = await fetch(`${kadr.url}/api/videos`, { method: 'POST', body: form });
    assert.equal(res.status, 201);
    const id = ((await res.json()) as { items: VideoJson[] }).items[0]!.id;
    // The face counts come first, then the people pass: a stage of its own, with its own progress,
    // while the whole stays below 100 % until done.
    const seen = await pollUntil(
      () => getVideo(kadr.url, id),
      (v) => v.stage === 'people' || (v.status !== 'queued' && v.status !== 'processing'),
      'the people pass to start',
      { everyMs: 20 },
    );
    const inPeople = seen.at(-1)!;
    assert.equal(inPeople.status, 'processing', 'the people pass is running');
    assert.equal(inPeople.stage, 'people');
    assert.ok(inPeople.stageProgress < 100, `people pass just started: ${inPeople.stageProgress}`);
    assert.ok(inPeople.progress >= 50 && inPeople.progress < 100, `overall: ${inPeople.progress}`);
    const facesStage = seen.filter((v) => v.stage === 'faces');
    assert.ok(
      facesStage.every((v) => v.progress <= v.stageProgress && v.progress < 100),
      'during the faces pass the whole is behind the stage',
    );
    const t0 = Date.now();
    assert.equal((await fetch(`${kadr.url}/api/videos/${id}/pause`, { method: 'POST' })).status, 200);
    await pollUntil(
      () => getVideo(kadr.url, id),
      (v) => v.status === 'paused',
      'the pause',
    );
    // Paused means the worker let go: no heartbeat owner left, and no people stored yet.
    await new Promise((r) => setTimeout(r, 1500));
    const paused = (await json<VideoWithPeople>(`/api/videos/${id}`)).body;
    assert.equal(paused.status, 'paused');
    assert.equal(paused.peopleCount, null);
    assert.equal(paused.stage, 'people', 'a paused video says where it stopped');
    assert.ok(Date.now() - t0 < 10_000);

    assert.equal((await fetch(`${kadr.url}/api/videos/${id}/resume`, { method: 'POST' })).status, 200);
    const done = await pollUntil(
      () => getVideo(kadr.url, id),
      (v) => ['done', 'failed', 'cancelled'].includes(v.status),
      'the resumed video',
    );
    assert.equal(done.at(-1)!.status, 'done');
    assert.deepEqual(
      [done.at(-1)!.progress, done.at(-1)!.stage, done.at(-1)!.stageProgress],
      [100, null, 100],
    );
    const video = (await json<VideoWithPeople>(`/api/videos/${id}`)).body;
    assert.equal(video.peopleCount, 3);
    const c = [...who].find(([, photo]) => photo === 'person-c_1.jpg')![0];
    const f = [...who].find(([, photo]) => photo === 'person-f_1.jpg')![0];
    const linked = video.profiles!.map((p) => p.id);
    assert.ok(linked.includes(c) && linked.includes(f), 'person-c (kept, named) and person-f matched again');
  });
}
