/**
 * Profiles from photos (docs/profiles.md, "From a photo") over real HTTP against a real `kadr serve`
 * and PostgreSQL, with real photos (test/fixtures/faces/SOURCES.md). A photo of person-f makes a profile
 * (the CLI does it, over the API); a video showing person-f and person-e then joins person-f to that
 * profile and makes one new profile for person-e. The refusals: a photo without a face, one with two
 * (unless ?face= picks one, largest first), bytes that are no picture, a cut-short JPEG, a photo over
 * the size limit, invalid personal data. A profile made from a photo and never seen in a video is
 * kept when a video is deleted; a second photo adds a second embedding.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { ChipEmbedder, embeddingDistance, FaceDetector } from '../../../src/analytics/index.js';
import { createTestDatabase, type TestDatabase } from '../api/support/database.js';
import { getVideo, pollUntil, type VideoJson } from '../api/support/http.js';
import { kadrEnv, startKadr, type KadrProcess } from '../api/support/kadr-process.js';
import { generatePeopleVideo, VIDEO_2 } from './people-video.js';
import { phonePhoto, storedPhoto } from '../../fixtures/exif-photo.js';
import { FACES_DIR, jpegEmbedding, jpegFaces, photoEmbedding } from './photo-faces.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

interface ProfileJson {
  id: string;
  cropUrl: string | null;
  firstName: string | null;
  lastName: string | null;
  gender: string | null;
  videos: { id: string }[];
}
interface ErrorJson {
  error: { code: string; message: string; hint?: string; fields?: Record<string, string> };
}

let tdb: TestDatabase;
let dataDir: string;
let kadr: KadrProcess;
let detector: FaceDetector;
let embedder: ChipEmbedder;
let armstrong: string;
let personA: string;

before(async () => {
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-profile-photos-'));
  await chmod(dataDir, 0o755);
  detector = await FaceDetector.create();
  embedder = await ChipEmbedder.create();
  kadr = await startKadr(
    ['serve', '--port', '0', '--data', dataDir, '--concurrency', '1'],
    kadrEnv({ DATABASE_URL: tdb.url }),
  );
});
after(async () => {
  const code = await kadr?.stop();
  await detector?.close();
  await embedder?.close();
  await tdb?.drop();
  await rm(dataDir, { recursive: true, force: true });
  assert.equal(code, 0, `kadr serve did not stop cleanly:\n${kadr?.stderr()}`);
});

async function postPhoto<T>(
  url: string,
  photo: Buffer | string,
  fields: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const bytes = typeof photo === 'string' ? await readFile(path.join(FACES_DIR, photo)) : photo;
  form.append('photo', new Blob([bytes]), typeof photo === 'string' ? photo : 'photo.bin');
  const res = await fetch(`${kadr.url}${url}`, { method: 'POST', body: form });
  return { status: res.status, body: (await res.json()) as T };
}

async function profileCount(): Promise<number> {
  const res = await fetch(`${kadr.url}/api/profiles?limit=100`);
  return ((await res.json()) as { items: unknown[] }).items.length;
}

type VideoWithPeople = VideoJson & { peopleCount: number; profiles: { id: string }[] };

/** The generated video of person-f and person-e, uploaded with autoProfiles and analysed. */
async function uploadPeople2(): Promise<VideoWithPeople> {
  const video = await generatePeopleVideo('people-2', VIDEO_2, 80);
  const form = new FormData();
  form.append('autoProfiles', 'true');
  form.append('files', new Blob([await readFile(video.file)], { type: 'video/mp4' }), 'people-2.mp4');
  const res = await fetch(`${kadr.url}/api/videos`, { method: 'POST', body: form });
  assert.equal(res.status, 201);
  const id = ((await res.json()) as { items: VideoJson[] }).items[0]!.id;
  const seen = await pollUntil(
    () => getVideo(kadr.url, id),
    (v) => ['done', 'failed', 'cancelled'].includes(v.status),
    'people-2 to finish',
  );
  const done = seen.at(-1) as VideoWithPeople;
  assert.equal(done.status, 'done', JSON.stringify(done));
  return done;
}

async function merge(id: string, body: string): Promise<{ status: number; body: ProfileJson & ErrorJson }> {
  const res = await fetch(`${kadr.url}/api/profiles/${id}/merge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, body: (await res.json()) as ProfileJson & ErrorJson };
}

async function photoEmbeddings(profileId: string): Promise<number> {
  const client = new pg.Client({ connectionString: tdb.url });
  await client.connect();
  try {
    const rows = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM profile_embeddings WHERE profile_id = $1 AND from_photo',
      [profileId],
    );
    return rows.rows[0]!.n;
  } finally {
    await client.end();
  }
}

test('kadr profile add-photo makes a profile whose crop is the face of the photo', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'src/cli/bin.ts'),
      'profile',
      'add-photo',
      path.join(FACES_DIR, 'person-f_1.jpg'),
      '--name',
      'Neil',
      '--last-name',
      'Armstrong',
      '--server',
      kadr.url,
      '--json',
    ],
    { cwd: ROOT },
  );
  const profile = JSON.parse(stdout) as ProfileJson;
  armstrong = profile.id;
  assert.equal(profile.firstName, 'Neil');
  assert.equal(profile.lastName, 'Armstrong');
  assert.deepEqual(profile.videos, []);
  const crop = Buffer.from(await (await fetch(`${kadr.url}${profile.cropUrl}`)).arrayBuffer());
  const d = embeddingDistance(
    await jpegEmbedding(detector, embedder, crop),
    await photoEmbedding(detector, embedder, 'person-f_1.jpg'),
  );
  assert.ok(d < 0.3, `the crop shows person-f: ${d}`);
});

test('a video of that person joins the profile made from the photo; a new face gets its own', async () => {
  const done = await uploadPeople2();
  const id = done.id;
  assert.equal(done.peopleCount, 2);
  const ids = done.profiles.map((p) => p.id);
  assert.ok(ids.includes(armstrong), `person-f joined the photo's profile: ${ids.join(', ')}`);
  assert.equal(await profileCount(), 2, 'one new profile, for person-e');
  const neil = (await (await fetch(`${kadr.url}/api/profiles/${armstrong}`)).json()) as ProfileJson;
  assert.deepEqual(
    neil.videos.map((v) => v.id),
    [id],
  );

  // Deleting the video leaves the photo's profile (it was made on purpose), even once unnamed.
  const patch = await fetch(`${kadr.url}/api/profiles/${armstrong}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ firstName: null, lastName: null }),
  });
  assert.equal(patch.status, 200);
  assert.equal((await fetch(`${kadr.url}/api/videos/${id}`, { method: 'DELETE' })).status, 204);
  await pollUntil(
    () => profileCount(),
    (n) => n === 1,
    "person-e's profile to go with the video",
  );
  assert.equal((await fetch(`${kadr.url}/api/profiles/${armstrong}`)).status, 200);
});

test('two faces: 422 saying how many, unless ?face= picks one, largest first', async () => {
  const before = await profileCount();
  const many = await postPhoto<ErrorJson>('/api/profiles/from-photo', 'person-a_person-b_2.png');
  assert.equal(many.status, 422, JSON.stringify(many.body));
  assert.equal(many.body.error.code, 'KADR_ERR_INPUT_MANY_FACES');
  assert.match(many.body.error.message, /2 faces/);
  assert.match(many.body.error.hint ?? '', /face=/);
  const missing = await postPhoto<ErrorJson>('/api/profiles/from-photo?face=2', 'person-a_person-b_2.png');
  assert.equal(missing.status, 400);
  // The right face (person-b, 88 px) is the larger one; face 1 is person-a on the left (81 px).
  const a = await postPhoto<ProfileJson>('/api/profiles/from-photo?face=1', 'person-a_person-b_2.png');
  assert.equal(a.status, 201, JSON.stringify(a.body));
  personA = a.body.id;
  const crop = Buffer.from(await (await fetch(`${kadr.url}${a.body.cropUrl}`)).arrayBuffer());
  const e = await jpegEmbedding(detector, embedder, crop);
  const toA = embeddingDistance(e, await photoEmbedding(detector, embedder, 'person-a_1.png'));
  const toB = embeddingDistance(e, await photoEmbedding(detector, embedder, 'person-b_1.png'));
  assert.ok(toA < 0.55 && toB > 0.6, `face 1 is person-a: ${toA} to a, ${toB} to b`);
  assert.equal(await profileCount(), before + 1);
});

test('another photo of the same person adds an embedding to the profile', async () => {
  const res = await postPhoto<ProfileJson>(`/api/profiles/${personA}/photos`, 'person-a_1.png');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.id, personA);
  assert.equal(await photoEmbeddings(personA), 2);
  const unknown = await postPhoto<ErrorJson>(
    '/api/profiles/00000000-0000-4000-8000-000000000000/photos',
    'person-a_1.png',
  );
  assert.equal(unknown.status, 404);
});

test('refusals: no face, not a picture, cut short, too large, invalid fields; nothing is created', async () => {
  const before = await profileCount();
  const none = await postPhoto<ErrorJson>('/api/profiles/from-photo', 'no-face_vtest.jpg');
  assert.equal(none.status, 422, JSON.stringify(none.body));
  assert.equal(none.body.error.code, 'KADR_ERR_INPUT_NO_FACE');
  assert.ok(none.body.error.hint);

  const text = await postPhoto<ErrorJson>('/api/profiles/from-photo', Buffer.from('not a picture at all'));
  assert.equal(text.status, 415, JSON.stringify(text.body));

  const jpeg = await readFile(path.join(FACES_DIR, 'person-c_1.jpg'));
  const cut = await postPhoto<ErrorJson>('/api/profiles/from-photo', jpeg.subarray(0, jpeg.length / 2));
  assert.equal(cut.status, 422, JSON.stringify(cut.body));
  assert.equal(cut.body.error.code, 'KADR_ERR_INPUT_CORRUPT');

  const huge = Buffer.concat([jpeg, Buffer.alloc(21 * 1024 * 1024)]);
  const large = await postPhoto<ErrorJson>('/api/profiles/from-photo', huge);
  assert.equal(large.status, 413, JSON.stringify(large.body));
  assert.equal(large.body.error.code, 'KADR_ERR_UPLOAD_TOO_LARGE');

  const fields = await postPhoto<ErrorJson>('/api/profiles/from-photo', 'person-c_1.jpg', {
    gender: 'robot',
    birthDate: '2001-02-30',
  });
  assert.equal(fields.status, 422);
  assert.deepEqual(Object.keys(fields.body.error.fields ?? {}).sort(), ['birthDate', 'gender']);

  const noPhoto = await fetch(`${kadr.url}/api/profiles/from-photo`, {
    method: 'POST',
    body: new FormData(),
  });
  assert.equal(noPhoto.status, 400);
  const json = await fetch(`${kadr.url}/api/profiles/from-photo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(json.status, 415);
  assert.equal(await profileCount(), before);
});

test("merge: the other profile's appearances, faces and missing data move here, then it is gone", async () => {
  // The same video again: person-f joins the photo's profile, person-e gets a new one (E). Merging E
  // into it gives one appearance in that video with the spans of both, and the video one person.
  const video = await uploadPeople2();
  assert.equal(video.peopleCount, 2);
  const e = video.profiles.map((p) => p.id).find((p) => p !== armstrong)!;
  assert.ok(e && video.profiles.some((p) => p.id === armstrong));
  const spans = async (id: string) =>
    (
      (await (await fetch(`${kadr.url}/api/profiles/${id}`)).json()) as ProfileJson & {
        videos: { spans: unknown[] }[];
      }
    ).videos[0]!.spans.length;
  const expected = (await spans(armstrong)) + (await spans(e));
  const merged = await merge(armstrong, JSON.stringify({ other: e }));
  assert.equal(merged.status, 200, JSON.stringify(merged.body));
  assert.equal(merged.body.videos.length, 1);
  assert.equal(await spans(armstrong), expected);
  assert.equal((await fetch(`${kadr.url}/api/profiles/${e}`)).status, 404);
  assert.equal(((await getVideo(kadr.url, video.id)) as VideoWithPeople).peopleCount, 1);

  // Two photo profiles of person-b: the named one merged into the unnamed one gives it the name and
  // both faces.
  const named = await postPhoto<ProfileJson>('/api/profiles/from-photo', 'person-b_1.png', {
    firstName: 'Bob',
  });
  const unnamed = await postPhoto<ProfileJson>('/api/profiles/from-photo?face=0', 'person-a_person-b_2.png');
  assert.equal(named.status, 201);
  assert.equal(unnamed.status, 201);
  const b = await merge(unnamed.body.id, JSON.stringify({ other: named.body.id }));
  assert.equal(b.status, 200, JSON.stringify(b.body));
  assert.equal(b.body.firstName, 'Bob');
  assert.equal(await photoEmbeddings(unnamed.body.id), 2);
  assert.equal((await fetch(`${kadr.url}/api/profiles/${named.body.id}`)).status, 404);

  assert.equal((await merge(armstrong, JSON.stringify({ other: armstrong }))).status, 400);
  assert.equal((await merge(armstrong, JSON.stringify({ other: named.body.id }))).status, 404);
  assert.equal((await merge(armstrong, '{"other":')).status, 400);
  assert.equal((await merge(armstrong, '{}')).status, 400);
});

test('a phone photo stored turned, with an EXIF orientation: the face is found and the crop is upright', async () => {
  const file = path.join(FACES_DIR, 'person-g_1.jpg');
  // As stored (no tag), the face lies on its side and YuNet finds none.
  const stored = await postPhoto<ErrorJson>('/api/profiles/from-photo', storedPhoto(file, 6));
  assert.equal(stored.status, 422, JSON.stringify(stored.body));
  assert.equal(stored.body.error.code, 'KADR_ERR_INPUT_NO_FACE');
  // Turned 90° (6) and 180° (3, where YuNet does find the face upside down, so only the crop tells).
  for (const orientation of [6, 3]) {
    const res = await postPhoto<ProfileJson>('/api/profiles/from-photo', phonePhoto(file, orientation));
    assert.equal(res.status, 201, `orientation ${orientation}: ${JSON.stringify(res.body)}`);
    const crop = Buffer.from(await (await fetch(`${kadr.url}${res.body.cropUrl}`)).arrayBuffer());
    const faces = await jpegFaces(detector, crop);
    assert.equal(faces.length, 1, `orientation ${orientation}: ${faces.length} faces in the crop`);
    // YuNet's landmarks: the eyes, the nose, the mouth corners. Upright: eyes above the nose above the
    // mouth, and the eye on the picture's left first (not mirrored).
    const [eyeR, eyeL, nose, mouthR, mouthL] = faces[0]!.landmarks as [number, number][];
    const what = `orientation ${orientation}: landmarks ${JSON.stringify(faces[0]!.landmarks)}`;
    assert.ok(Math.max(eyeR![1], eyeL![1]) < nose![1] && nose![1] < Math.min(mouthR![1], mouthL![1]), what);
    assert.ok(eyeR![0] < eyeL![0] && mouthR![0] < mouthL![0], what);
    const d = embeddingDistance(
      await jpegEmbedding(detector, embedder, crop),
      await photoEmbedding(detector, embedder, 'person-g_1.jpg'),
    );
    assert.ok(d < 0.3, `orientation ${orientation}: the crop shows person-g (${d})`);
    assert.equal((await fetch(`${kadr.url}/api/profiles/${res.body.id}`, { method: 'DELETE' })).status, 204);
  }
});

test('the models run in a child process of the server: killed, the next photo starts a new one', async () => {
  const photoChildren = async () => {
    const pids: number[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = await readFile(`/proc/${entry}/stat`, 'latin1').catch(() => '');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== kadr.proc.pid) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'latin1').catch(() => '');
      if (cmdline.includes('photo-faces.child')) pids.push(Number(entry));
    }
    return pids;
  };
  const [child] = await photoChildren();
  assert.ok(child, 'a photo analysis process runs beside the server');
  process.kill(child, 'SIGKILL');
  await pollUntil(photoChildren, (pids) => !pids.includes(child), 'the killed process to go');
  const res = await postPhoto<ProfileJson>('/api/profiles/from-photo', 'person-c_1.jpg');
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const now = await photoChildren();
  assert.equal(now.length, 1);
  assert.notEqual(now[0], child);
  assert.equal((await fetch(`${kadr.url}/api/profiles/${res.body.id}`, { method: 'DELETE' })).status, 204);
});
