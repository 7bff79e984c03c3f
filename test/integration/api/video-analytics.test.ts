/**
 * The upload's `analytics` field (docs/api.md) over real HTTP against a real `kadr serve` and a real
 * PostgreSQL, on real footage from the evaluation set (test/eval/README.md): the counts must agree with
 * the hand-made labels there.
 *
 * Labels cover every `step`-th frame; a clip's true count of frames with a person is estimated as
 * (labelled frames with a person) × step. The tolerance is one step per time a person enters or leaves
 * (the labels cannot say on which frame between two labelled ones that happened) plus 5 % for people
 * cut by the picture's edge, which the labels count from about half a body on.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { getVideo, pollUntil, type VideoJson } from './support/http.js';
import { kadrEnv, startKadr, type KadrProcess } from './support/kadr-process.js';

const EVAL = path.resolve(import.meta.dirname, '../../eval');

type AnalyticsVideo = VideoJson & {
  analytics: string[];
  personsMax: number | null;
  objects: Record<string, { max: number; frames: number }> | null;
};

interface Labels {
  step: number;
  frames: { index: number; faces: unknown[]; persons: unknown[] }[];
}

let tdb: TestDatabase;
let dataDir: string;
let kadr: KadrProcess;

before(async () => {
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-analytics-'));
  await chmod(dataDir, 0o755);
  kadr = await startKadr(
    ['serve', '--port', '0', '--data', dataDir, '--concurrency', '2'],
    kadrEnv({ DATABASE_URL: tdb.url }),
  );
});
after(async () => {
  const code = await kadr?.stop();
  await tdb?.drop();
  await rm(dataDir, { recursive: true, force: true });
  assert.equal(code, 0, `kadr serve did not stop cleanly:\n${kadr?.stderr()}`);
});

async function labels(clip: string): Promise<Labels> {
  return JSON.parse(
    await readFile(path.join(EVAL, 'labels', clip.replace(/\.mp4$/, '.json')), 'utf8'),
  ) as Labels;
}

/** Uploads one clip of the evaluation set with the given fields (sent before the file). */
async function send(
  clip: string,
  fields: Record<string, string>,
): Promise<{ status: number; body: unknown }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append(
    'files',
    new Blob([await readFile(path.join(EVAL, 'media', clip))], { type: 'video/mp4' }),
    clip,
  );
  const res = await fetch(`${kadr.url}/api/videos`, { method: 'POST', body: form });
  return { status: res.status, body: await res.json() };
}

async function analyse(clip: string, fields: Record<string, string>): Promise<AnalyticsVideo[]> {
  const res = await send(clip, fields);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const id = (res.body as { items: VideoJson[] }).items[0]!.id;
  const seen = (await pollUntil(
    () => getVideo(kadr.url, id),
    (v) => ['done', 'failed', 'cancelled'].includes(v.status),
    `${clip} to finish`,
  )) as AnalyticsVideo[];
  assert.equal(seen.at(-1)!.status, 'done', JSON.stringify(seen.at(-1)));
  return seen;
}

/** Frames with a person (estimated from the labels) and the tolerance described above. */
function personFrames(l: Labels, total: number): { expected: number; tolerance: number } {
  const withPerson = l.frames.map((f) => f.persons.length > 0);
  const changes = withPerson.filter((v, i) => i > 0 && v !== withPerson[i - 1]).length;
  const expected = Math.min(total, withPerson.filter(Boolean).length * l.step);
  return { expected, tolerance: (changes + 1) * l.step + Math.ceil(0.05 * total) };
}

test('faces,objects on three people walking up: personsMax 3, people and faces in (nearly) every frame', async () => {
  const clip = 'face-demographics-walking-and-pause.mp4';
  const l = await labels(clip);
  const seen = await analyse(clip, { analytics: 'faces,objects' });
  const v = seen.at(-1)!;
  assert.deepEqual(v.analytics, ['faces', 'objects']);
  const truePersonsMax = Math.max(...l.frames.map((f) => f.persons.length));
  assert.equal(truePersonsMax, 3);
  assert.equal(v.personsMax, truePersonsMax, JSON.stringify(v));
  const { expected, tolerance } = personFrames(l, v.totalFrames!);
  assert.ok(Math.abs(v.objects!.person!.frames - expected) <= tolerance, JSON.stringify(v.objects));
  assert.equal(v.objects!.person!.max, 3);
  // Every labelled frame shows all three faces (41–74 px): the faces pass at the chosen defaults finds
  // them in at least 90 % of the frames, and no more faces than there are.
  assert.ok(l.frames.every((f) => f.faces.length === 3));
  assert.ok(
    v.facesSoFar >= 0.9 * 3 * v.totalFrames! && v.facesSoFar <= 3 * v.totalFrames!,
    `${v.facesSoFar} faces`,
  );
  // While running, the object counts grow with the frames, like the face counts.
  const running = seen.filter((s) => s.status === 'processing' && s.personsMax !== null);
  for (let i = 1; i < running.length; i++) {
    assert.ok(running[i]!.framesProcessed >= running[i - 1]!.framesProcessed);
    assert.ok(running[i]!.personsMax! >= running[i - 1]!.personsMax!);
  }
});

test('objects only on people walking in one by one: one person at a time, in the labelled share of frames, no faces counted', async () => {
  const clip = 'one-by-one-person-detection-0-70s.mp4';
  const l = await labels(clip);
  const v = (await analyse(clip, { analytics: 'objects' })).at(-1)!;
  assert.deepEqual(v.analytics, ['objects']);
  assert.equal(v.framesProcessed, v.totalFrames);
  assert.equal(v.personsMax, Math.max(...l.frames.map((f) => f.persons.length)));
  assert.equal(v.personsMax, 1);
  const { expected, tolerance } = personFrames(l, v.totalFrames!);
  const got = v.objects!.person!.frames;
  assert.ok(
    Math.abs(got - expected) <= tolerance,
    `person in ${got} frames, labels say ${expected} ± ${tolerance}`,
  );
  assert.equal(v.facesSoFar, 0);
});

test('without the field a video is analysed for faces only; a bad list is refused with 400', async () => {
  const v = (await analyse('head-pose-face-detection-female.mp4', {})).at(-1)!;
  assert.deepEqual(v.analytics, ['faces']);
  assert.equal(v.personsMax, null);
  assert.equal(v.objects, null);
  assert.equal(v.facesSoFar, v.totalFrames); // one face, in every frame
  // The field is refused as soon as it is read, before any file (none is sent here).
  for (const bad of ['cars', ' ', 'faces;objects', 'faces,people']) {
    const form = new FormData();
    form.append('analytics', bad);
    const res = await fetch(`${kadr.url}/api/videos`, { method: 'POST', body: form });
    const body = (await res.json()) as { error: { message: string } };
    assert.equal(res.status, 400, `${bad}: ${JSON.stringify(body)}`);
    assert.match(body.error.message, /analytics/);
  }
});
