/**
 * Corrections of profiles (docs/profiles.md, "Corrections") over real HTTP against a real `kadr serve`
 * and PostgreSQL, on a generated video of two real people (test/fixtures/faces): person-f for the first
 * 40 frames, then person-e at the same place. The server runs with a same-person distance of 1.2, far
 * above the default, so that grouping joins the two into one profile: the mistake the operator corrects.
 *
 * - split (through `kadr profile split`): the part from the first frame of person-e goes to a new
 *   profile with the faces seen in it; the two profiles are stored as two people;
 * - the same video uploaded again: grouping would join the two once more, but the faces fall on two
 *   profiles told apart, so each part goes to its own profile;
 * - "this is not X" moves a whole appearance; the refusals; merging two profiles told apart.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { ChipEmbedder, embeddingDistance, FaceDetector } from '../../../src/analytics/index.js';
import { createTestDatabase, type TestDatabase } from '../api/support/database.js';
import { getVideo, pollUntil, type VideoJson } from '../api/support/http.js';
import { kadrEnv, startKadr, type KadrProcess } from '../api/support/kadr-process.js';
import { generatePeopleVideo, type Appearance } from './people-video.js';
import { jpegEmbedding, photoEmbedding } from './photo-faces.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
/** Frame 40's time: the video's frames last 33 and 50 ms in turn (people-video.ts), 20 × 83.3 ms. */
const SWITCH_MS = 1666;
const SWAP: Appearance[] = [
  { photo: 'person-f_1.jpg', from: 0, to: 40, at: () => ({ x: 240, y: 100, size: 144 }) },
  { photo: 'person-e_1.jpg', from: 40, to: 80, at: () => ({ x: 240, y: 100, size: 144 }) },
];

interface ProfileJson {
  id: string;
  cropUrl: string | null;
  firstName: string | null;
  videos: { id: string; firstMs: number; lastMs: number; spans: { firstMs: number; lastMs: number }[] }[];
  apartFrom: string[];
}
interface CorrectionJson {
  profile: ProfileJson;
  other: ProfileJson & { created: boolean };
}
type VideoWithPeople = VideoJson & { peopleCount: number; profiles: { id: string }[] };

let tdb: TestDatabase;
let dataDir: string;
let kadr: KadrProcess;
let detector: FaceDetector;
let embedder: ChipEmbedder;
let db: pg.Client;
let x: string;
let y: string;
let first: VideoWithPeople;
let second: VideoWithPeople;

before(async () => {
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-corrections-'));
  await chmod(dataDir, 0o755);
  detector = await FaceDetector.create();
  embedder = await ChipEmbedder.create();
  db = new pg.Client({ connectionString: tdb.url });
  await db.connect();
  kadr = await startKadr(
    ['serve', '--port', '0', '--data', dataDir, '--concurrency', '1'],
    kadrEnv({ DATABASE_URL: tdb.url, KADR_PROFILE_DISTANCE: '1.2' }),
  );
});
after(async () => {
  const code = await kadr?.stop();
  await db?.end();
  await detector?.close();
  await embedder?.close();
  await tdb?.drop();
  await rm(dataDir, { recursive: true, force: true });
  assert.equal(code, 0, `kadr serve did not stop cleanly:\n${kadr?.stderr()}`);
});

async function uploadSwap(name: string): Promise<VideoWithPeople> {
  const video = await generatePeopleVideo('swap-f-e', SWAP, 80);
  const form = new FormData();
  form.append('autoProfiles', 'true');
  form.append('files', new Blob([await readFile(video.file)], { type: 'video/mp4' }), name);
  const res = await fetch(`${kadr.url}/api/videos`, { method: 'POST', body: form });
  assert.equal(res.status, 201);
  const id = ((await res.json()) as { items: VideoJson[] }).items[0]!.id;
  const seen = await pollUntil(
    () => getVideo(kadr.url, id),
    (v) => ['done', 'failed', 'cancelled'].includes(v.status),
    `${name} to finish`,
  );
  const done = seen.at(-1) as VideoWithPeople;
  assert.equal(done.status, 'done', JSON.stringify(done));
  return done;
}

const profile = async (id: string) =>
  (await (await fetch(`${kadr.url}/api/profiles/${id}`)).json()) as ProfileJson;

async function post(
  url: string,
  body: string,
): Promise<{ status: number; body: CorrectionJson & ErrorJson }> {
  const res = await fetch(`${kadr.url}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, body: (await res.json()) as CorrectionJson & ErrorJson };
}
interface ErrorJson {
  error: { code: string; message: string };
}

/** The distances of a profile's faces from one video to the photo of `photo`. */
async function faceDistances(profileId: string, videoId: string, photo: string): Promise<number[]> {
  const rows = await db.query<{ embedding: number[] }>(
    'SELECT embedding FROM profile_embeddings WHERE profile_id = $1 AND video_id = $2',
    [profileId, videoId],
  );
  const reference = await photoEmbedding(detector, embedder, photo);
  return rows.rows.map((r) => embeddingDistance(r.embedding, reference));
}

async function cropShows(p: ProfileJson, photo: string): Promise<number> {
  const crop = Buffer.from(await (await fetch(`${kadr.url}${p.cropUrl}`)).arrayBuffer());
  return embeddingDistance(
    await jpegEmbedding(detector, embedder, crop),
    await photoEmbedding(detector, embedder, photo),
  );
}

test('split through the CLI: the part from the second person on goes to a new profile, with its faces', async () => {
  first = await uploadSwap('swap-1.mp4');
  assert.equal(first.peopleCount, 1, 'the loose distance joins the two people: the mistake to correct');
  x = first.profiles[0]!.id;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'src/cli/bin.ts'),
      'profile',
      'split',
      x,
      '--video',
      first.id,
      '--at',
      String(SWITCH_MS),
      '--server',
      kadr.url,
      '--json',
    ],
    { cwd: ROOT },
  );
  const result = JSON.parse(stdout) as CorrectionJson;
  y = result.other.id;
  assert.equal(result.other.created, true);
  assert.deepEqual(result.profile.apartFrom, [y]);
  assert.deepEqual(result.other.apartFrom, [x]);
  const [before] = result.profile.videos;
  const [afterSplit] = result.other.videos;
  assert.ok(before && afterSplit);
  assert.ok(before.lastMs < SWITCH_MS, JSON.stringify(before));
  assert.ok(afterSplit.firstMs >= SWITCH_MS, JSON.stringify(afterSplit));
  assert.ok(afterSplit.lastMs > 3000, JSON.stringify(afterSplit));

  // The faces went with their seconds: X keeps person-f's, the new profile has person-e's.
  const fOfX = await faceDistances(x, first.id, 'person-f_1.jpg');
  const eOfY = await faceDistances(y, first.id, 'person-e_1.jpg');
  assert.ok(fOfX.length > 0 && eOfY.length > 0, `faces: ${fOfX.length} and ${eOfY.length}`);
  assert.ok(Math.max(...fOfX, ...eOfY) < 0.6, `faces of X ${fOfX.join(' ')}; of Y ${eOfY.join(' ')}`);
  // The picture went with the part it was taken in; a profile without one shows none.
  const [px, py] = [await profile(x), await profile(y)];
  assert.ok(px.cropUrl || py.cropUrl);
  if (px.cropUrl) assert.ok((await cropShows(px, 'person-f_1.jpg')) < 0.6);
  if (py.cropUrl) assert.ok((await cropShows(py, 'person-e_1.jpg')) < 0.6);
  assert.equal(((await getVideo(kadr.url, first.id)) as VideoWithPeople).peopleCount, 2);
});

test('the same video again: the two profiles told apart are not joined, each part goes to its own', async () => {
  second = await uploadSwap('swap-2.mp4');
  assert.equal(second.peopleCount, 2, JSON.stringify(second.profiles));
  const [px, py] = [await profile(x), await profile(y)];
  const inSecond = (p: ProfileJson) => p.videos.find((v) => v.id === second.id);
  assert.ok(inSecond(px) && inSecond(py), JSON.stringify({ px, py }));
  assert.ok(inSecond(px)!.lastMs < SWITCH_MS, JSON.stringify(inSecond(px)));
  assert.ok(inSecond(py)!.firstMs >= SWITCH_MS, JSON.stringify(inSecond(py)));
  assert.ok(Math.max(...(await faceDistances(y, second.id, 'person-e_1.jpg'))) < 0.6);
});

test('"this is not X" moves a whole appearance; refusals; merging lifts the pair', async () => {
  const url = (id: string, video: string, what: string) => `/api/profiles/${id}/videos/${video}/${what}`;
  const moved = await post(url(y, second.id, 'not-this-person'), '');
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  const z = moved.body.other.id;
  assert.equal(moved.body.other.created, true);
  assert.deepEqual(
    moved.body.profile.videos.map((v) => v.id),
    [first.id],
  );
  assert.deepEqual(
    moved.body.other.videos.map((v) => v.id),
    [second.id],
  );
  assert.deepEqual([...moved.body.profile.apartFrom].sort(), [x, z].sort());
  assert.equal((await faceDistances(y, second.id, 'person-e_1.jpg')).length, 0);
  assert.ok((await faceDistances(z, second.id, 'person-e_1.jpg')).length > 0);

  // Moving to a named profile that appears in the video already joins the spans there.
  const back = await post(url(z, second.id, 'not-this-person'), JSON.stringify({ to: x }));
  assert.equal(back.status, 200, JSON.stringify(back.body));
  assert.equal(back.body.other.id, x);
  assert.equal(back.body.other.created, false);
  assert.equal(back.body.other.videos.find((v) => v.id === second.id)!.spans.length, 2);
  assert.equal(((await getVideo(kadr.url, second.id)) as VideoWithPeople).peopleCount, 1);

  const refusals: [string, string, number, RegExp][] = [
    [url(x, first.id, 'split'), '{"atMs": 0}', 400, /does not split/],
    [url(x, first.id, 'split'), `{"atMs": ${SWITCH_MS + 5000}}`, 400, /does not split/],
    [url(x, first.id, 'split'), '{"atMs": 1.5}', 400, /integer/],
    [url(x, first.id, 'split'), '{"atMs": -1}', 400, />= 0/],
    [url(x, first.id, 'split'), '{}', 400, /atMs/],
    [url(x, first.id, 'split'), '{"atMs": 100, "why": 1}', 400, /additional/],
    [url(x, first.id, 'split'), '{"atMs":', 400, /not valid JSON/],
    [url(x, first.id, 'not-this-person'), JSON.stringify({ to: x }), 400, /cannot go to the profile/],
    [url(x, first.id, 'not-this-person'), JSON.stringify({ to: crypto.randomUUID() }), 404, /no profile/],
    [url(y, second.id, 'not-this-person'), '{}', 404, /does not appear in video/],
    [url(crypto.randomUUID(), first.id, 'not-this-person'), '{}', 404, /no profile/],
    [url(x, 'not-a-uuid', 'not-this-person'), '{}', 400, /uuid/],
  ];
  for (const [target, body, status, message] of refusals) {
    const res = await post(target, body);
    assert.equal(res.status, status, `${target} ${body}: ${JSON.stringify(res.body)}`);
    assert.match(res.body.error.message, message, `${target} ${body}`);
  }

  // The operator changes their mind: merging two profiles told apart joins them and lifts the pair.
  const merged = await post(`/api/profiles/${x}/merge`, JSON.stringify({ other: z }));
  assert.equal(merged.status, 200, JSON.stringify(merged.body));
  assert.deepEqual((merged.body as unknown as ProfileJson).apartFrom, [y]);
});
