/**
 * Live analytics on a camera made of real footage (test/fixtures/live-analytics, README there: a 21 s clip of people
 * walking in one by one, looped by `kadr rtsp-serve`, with labels made by looking at its frames), as a
 * user runs it: `kadr serve` with a real PostgreSQL records the camera, analytics attached through the
 * API find people. Checked: the person events start and end at the labelled times (within the sampling
 * interval); the recording's frame at an event's time is the very picture the analysis saw (matched
 * against the clip's own frames); detaching stops new events and attaching again resumes them; kill -9
 * of the analysis process restarts it while the recording and the camera go on without a gap. Then
 * faces: a profile made from one photo of a person (test/fixtures/faces, another picture than the clip)
 * is matched live the first time a camera shows her, and the event names it; "this is not her" on that
 * event (the CLI) makes a new profile of the face, the event names it, and later she is named the new
 * profile, never the photo's, also when the new profile is deleted again; profiles made by the
 * archive analysis of a face clip (autoProfiles) are matched live on a camera showing the same people;
 * the analytics survive a server restart. Falling behind: analytics asked for every frame of a 30 fps
 * camera with faces and persons, and their process stopped (SIGSTOP) for 5 s as a model far too slow would
 * be, skip frames and say so, while the camera's recording keeps every frame and a viewer of its restream
 * gets every frame in time. Zones: on a plaza clip of the evaluation set (test/eval), a zone over part of
 * the picture keeps the people whose feet stand in it, as the labels say, and drops the others.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the answers are read field by field, as JSON */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startKadrRtspServe, type RtspSource } from '../recorder/rtsp-source.js';
import { callApi } from './support/api-call.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { kadrEnv, startKadr, type KadrProcess } from './support/kadr-process.js';
import { collectSse, type SseCollector } from './support/sse.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/live-analytics');
const CLIP = path.join(FIXTURES, 'one-by-one-5-26s.mp4');
const CLIP_FRAMES = 210;
/** Three people walking towards the camera, faces of 33 to 60 px (Intel IoT sample videos, CC BY 4.0). */
const FACES = path.join(FIXTURES, 'faces.mp4');
/** Pedestrians on a plaza, up to 8 at once, labelled every 20th frame (test/eval/README.md). */
const EVAL = path.resolve(import.meta.dirname, '../../eval');
const PLAZA = path.join(EVAL, 'media/vtest-0-20s.mp4');
const PLAZA_FRAMES = 200;
/** Cars on a road (test/fixtures/footage), made 30 fps by the test: a camera whose every frame is asked for. */
const BUSY_FPS = 30;
const CLIP_FPS = 10;
const FPS = 5;
/** Small grey pictures to tell frames apart: enough for people walking, cheap to compare. */
const THUMB_W = 96;
const THUMB_H = 54;

interface Labels {
  clip: { from: number };
  people: { enters: { partial: number; full: number }; leaves: { full: number; partial: number } | null }[];
}

const token = randomBytes(24).toString('hex');
let tdb: TestDatabase;
let dataDir: string;
let rtsp: RtspSource;
let kadr: KadrProcess;
let sse: SseCollector;
let labels: Labels;
let clipThumbs: Buffer[];
let serveArgs: string[];
let clipsDir: string;
const serveEnv = () =>
  kadrEnv({ DATABASE_URL: tdb.url, KADR_API_TOKEN: token, KADR_CAMERA_SEGMENT_SECONDS: '2' });

const api = (method: string, url: string, body?: unknown) => callApi(kadr.url, token, method, url, body);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Decodes a picture (a file or JPEG bytes) into grey thumbnails with the ffmpeg CLI. */
function thumbs(input: string | Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn('ffmpeg', [
      ...['-v', 'error', '-i', typeof input === 'string' ? input : 'pipe:0'],
      ...['-vf', `scale=${THUMB_W}:${THUMB_H}:flags=area,format=gray`, '-f', 'rawvideo', 'pipe:1'],
    ]);
    const out: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg ${code}`))));
    if (typeof input !== 'string') p.stdin.end(input);
    else p.stdin.end();
  });
}

const meanDiff = (a: Buffer, b: Buffer) => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
};

/** The clip frame a picture is (best match), and how far off it is. */
function whichClipFrame(picture: Buffer): { index: number; diff: number } {
  let best = { index: -1, diff: Infinity };
  clipThumbs.forEach((t, index) => {
    const diff = meanDiff(t, picture);
    if (diff < best.diff) best = { index, diff };
  });
  return best;
}

/** The recorded frame at `at` (waiting for the segment that holds it to be stored: 2 s segments). */
async function jpegAt(cameraId: string, at: string): Promise<Buffer> {
  for (let i = 0; ; i++) {
    const res = await fetch(`${kadr.url}/api/cameras/${cameraId}/frame?at=${at}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status === 404 && i < 20) {
      await sleep(500);
      continue;
    }
    assert.equal(res.status, 200, `frame at ${at}: ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }
}

/** The clip time (s of the original file) of the recorded frame at an event's time. */
async function fileTimeAt(cameraId: string, at: string): Promise<number> {
  const found = whichClipFrame(await thumbs(await jpegAt(cameraId, at)));
  assert.ok(found.diff < 4, `the recorded frame at ${at} is a frame of the clip (diff ${found.diff})`);
  return labels.clip.from + found.index / CLIP_FPS;
}

async function eventsOf(cameraId: string): Promise<any[]> {
  const res = await api('GET', `/api/events?camera=${cameraId}&type=person&limit=100`);
  assert.equal(res.status, 200, res.text);
  return res.json.items;
}

async function waitFor<T>(what: string, get: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const got = await get();
    if (got !== undefined) return got;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}\n${kadr.stderr().slice(-3000)}`);
    await sleep(300);
  }
}

before(async () => {
  labels = JSON.parse(await readFile(path.join(FIXTURES, 'one-by-one-labels.json'), 'utf8')) as Labels;
  const all = await thumbs(CLIP);
  assert.equal(all.length, CLIP_FRAMES * THUMB_W * THUMB_H);
  clipThumbs = Array.from({ length: CLIP_FRAMES }, (_, i) =>
    all.subarray(i * THUMB_W * THUMB_H, (i + 1) * THUMB_W * THUMB_H),
  );
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-live-analytics-'));
  clipsDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-live-analytics-clips-'));
  // 6 s at 30 fps, a keyframe a second, no B-frames (every pts one frame after the one before).
  await promisify(execFile)('ffmpeg', [
    ...['-v', 'error', '-t', '6', '-i', path.join(FIXTURES, '../footage/car-detection.mp4')],
    ...['-vf', `fps=${BUSY_FPS}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(BUSY_FPS)],
    ...['-bf', '0', '-pix_fmt', 'yuv420p', '-an', path.join(clipsDir, 'cars-30fps.mp4')],
  ]);
  rtsp = await startKadrRtspServe([CLIP, FACES, PLAZA, path.join(clipsDir, 'cars-30fps.mp4')], ['--loop']);
  serveArgs = ['serve', '--port', '0', '--data', dataDir, '--concurrency', '1', '--rtsp-port', '0'];
  kadr = await startKadr(serveArgs, serveEnv());
});
after(async () => {
  sse?.stop();
  await kadr?.stop();
  await rtsp?.stop();
  await tdb?.drop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(clipsDir, { recursive: true, force: true });
});

test('person events at the labelled times, the recorded frame is the analysed one, detach and attach, kill -9', async () => {
  const created = await api('POST', '/api/cameras', {
    name: 'hall',
    url: rtsp.url('one-by-one-5-26s'),
    record: true,
  });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id as string;
  assert.equal(created.json.analytics, null);
  sse = await collectSse(`${kadr.url}/api/events/stream?access_token=${token}`);

  // Client mistakes are 400s, never 5xx.
  for (const body of [{ detect: ['unicorns'] }, { detect: ['persons'], fps: 0 }, { detect: [] }]) {
    const bad = await api('PUT', `/api/cameras/${id}/analytics`, body);
    assert.equal(bad.status, 400, bad.text);
  }
  const attached = await api('PUT', `/api/cameras/${id}/analytics`, { detect: ['persons'], fps: FPS });
  assert.equal(attached.status, 200, attached.text);
  assert.deepEqual(attached.json.analytics.detect, ['persons']);
  const attachedAt = Date.now();

  // The first woman comes in at about 1.5 s of the clip and leaves at about 14.5 s; the man comes at 18 s.
  const [first, second] = await waitFor(
    'two person events, the first ended',
    async () => {
      const items = await eventsOf(id);
      return items.length >= 2 && items[0].end ? items : undefined;
    },
    45_000,
  );
  const interval = 1 / FPS;
  const [woman, man] = labels.people;
  const start1 = await fileTimeAt(id, first.start);
  const end1 = await fileTimeAt(id, first.end);
  const start2 = await fileTimeAt(id, second.start);
  const report = `starts ${start1}, ${start2}; end ${end1}`;
  assert.ok(start1 >= woman!.enters.partial - interval && start1 <= woman!.enters.full + interval, report);
  assert.ok(end1 >= woman!.leaves!.full - interval && end1 <= woman!.leaves!.partial + interval, report);
  assert.ok(start2 >= man!.enters.partial - interval && start2 <= man!.enters.full + interval, report);
  assert.ok(first.confidence > 0.5 && first.count === 1, JSON.stringify(first));

  // The snapshot is the picture the analysis saw, and the recording's frame at its time is that picture.
  const snap = await fetch(`${kadr.url}${first.snapshotUrl}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(snap.status, 200);
  assert.equal(snap.headers.get('content-type'), 'image/jpeg');
  const snapThumb = await thumbs(Buffer.from(await snap.arrayBuffer()));
  const recordedThumb = await thumbs(await jpegAt(id, first.snapshotAt));
  const bySnapshot = whichClipFrame(snapThumb);
  const byRecording = whichClipFrame(recordedThumb);
  assert.equal(bySnapshot.index, byRecording.index, 'the same frame of the clip');
  assert.ok(
    meanDiff(snapThumb, recordedThumb) < 3,
    `snapshot vs recording ${meanDiff(snapThumb, recordedThumb)}`,
  );

  // Paged: one event a page, the cursor leads to the next; a made-up cursor is the client's 400.
  const page1 = await api('GET', `/api/events?camera=${id}&limit=1`);
  assert.equal(page1.json.items[0].id, first.id);
  const page2 = await api('GET', `/api/events?camera=${id}&limit=1&cursor=${page1.json.next}`);
  assert.equal(page2.json.items[0].id, second.id);
  assert.equal((await api('GET', `/api/events?cursor=bm9wZQ`)).status, 400);
  assert.equal((await api('GET', `/api/events?type=unicorn`)).status, 400);

  // The live feed told the same story, and the per-frame detections are there for the time span.
  const phases = sse.events.filter((e) => (e.data as any).id === first.id).map((e) => e.event);
  assert.equal(phases[0], 'start');
  assert.equal(phases.at(-1), 'end');
  const from = new Date(attachedAt - 5000).toISOString();
  const to = new Date(Date.now() + 1000).toISOString();
  const det = await api('GET', `/api/cameras/${id}/detections?from=${from}&to=${to}`);
  assert.equal(det.status, 200, det.text);
  const frames = det.json.frames as { t: number; d: unknown[][] }[];
  const seconds = (frames.at(-1)!.t - frames[0]!.t) / 1000;
  assert.ok(frames.length >= seconds * FPS * 0.8, `${frames.length} analysed frames in ${seconds} s`);
  assert.ok(frames.some((f) => f.d.some((d) => d[0] === 'person')));
  let cam = (await api('GET', `/api/cameras/${id}`)).json;
  assert.ok(cam.analytics.framesAnalysed >= frames.length - 5, JSON.stringify(cam.analytics));

  // Detached (with the CLI): no new events (the open one is ended at the last frame it was seen in).
  assert.match(await kadrCamera(['analytics-off', 'hall']), /hall: analytics off/);
  cam = (await api('GET', `/api/cameras/${id}`)).json;
  assert.equal(cam.analytics, null);
  const afterDetach = await eventsOf(id);
  assert.ok(
    afterDetach.every((e) => e.end !== null),
    'no event stays open after detaching',
  );
  await sleep(5000);
  assert.equal((await eventsOf(id)).length, afterDetach.length, 'no events while detached');

  // Attached again: events resume (the clip loops: the woman comes again).
  assert.equal(
    (await api('PUT', `/api/cameras/${id}/analytics`, { detect: ['persons'], fps: FPS })).status,
    200,
  );
  await waitFor(
    'a new person event after attaching again',
    async () => ((await eventsOf(id)).length > afterDetach.length ? true : undefined),
    30_000,
  );

  // kill -9 of the analysis process: it starts again; the camera and its recording notice nothing.
  const pid = await analysisPid(kadr.proc.pid!);
  const before = (await api('GET', `/api/cameras/${id}`)).json;
  process.kill(pid, 'SIGKILL');
  cam = await waitFor(
    'the analysis to restart and analyse again',
    async () => {
      const c = (await api('GET', `/api/cameras/${id}`)).json;
      return c.analytics.restarts >= 1 && c.analytics.framesAnalysed > before.analytics.framesAnalysed + 10
        ? c
        : undefined;
    },
    20_000,
  );
  assert.notEqual(await analysisPid(kadr.proc.pid!), pid);
  assert.equal(cam.state, 'live');
  assert.equal(cam.health.reconnects, 0);
  assert.equal(cam.health.skippedUnits, 0, 'no consumer of the camera fell behind');
  const rec = await api(
    'GET',
    `/api/cameras/${id}/recordings?from=${from}&to=${new Date(Date.now() + 1000).toISOString()}`,
  );
  assert.equal(rec.status, 200, rec.text);
  assert.deepEqual(rec.json.gaps, [], 'the recording has no gap');
  assert.ok(rec.json.segments.length >= 5);
});

/** `kadr camera ...` against the server, as a user types it; its stdout. */
async function kadrCamera(args: string[]): Promise<string> {
  const root = path.resolve(import.meta.dirname, '../../..');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'src/cli/bin.ts'), 'camera', ...args, '--server', kadr.url],
    { cwd: root, env: kadrEnv({ KADR_TOKEN: token }) },
  );
  return stdout;
}

/** The pid of the server's camera analysis child (the only one in this test), from /proc. */
async function analysisPid(serverPid: number): Promise<number> {
  const [pid] = await analysisPids(serverPid);
  if (pid === undefined) throw new Error('no analysis process among the server children');
  return pid;
}

/** The pids of the server's camera analysis children, from /proc. */
async function analysisPids(serverPid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== serverPid) continue;
      const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8');
      if (cmdline.includes('camera-analytics.child')) pids.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

test('a profile made from a photo is matched live the first time a camera shows the person', async () => {
  // No other profile exists yet: the match can only be the photo's.
  const form = new FormData();
  const photo = path.join(import.meta.dirname, '../../fixtures/faces/person-a_1.png');
  form.append('firstName', 'Anna');
  form.append('photo', new Blob([await readFile(photo)], { type: 'image/png' }), 'person-a_1.png');
  const made = await fetch(`${kadr.url}/api/profiles/from-photo`, {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(made.status, 201, await made.clone().text());
  const profileId = ((await made.json()) as any).id as string;
  const created = await api('POST', '/api/cameras', { name: 'reception', url: rtsp.url('faces') });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id as string;
  assert.equal(
    (await api('PUT', `/api/cameras/${id}/analytics`, { detect: ['faces'], fps: FPS })).status,
    200,
  );
  const matched = await waitFor(
    'a face matched to the photo profile',
    async () => {
      const items = (await api('GET', `/api/events?camera=${id}&type=profile`)).json.items as any[];
      return items[0];
    },
    30_000,
  );
  assert.equal(matched.profileId, profileId, JSON.stringify(matched));
  // The event keeps its best face: its box and crop (and, unseen, the embeddings of her distinct faces).
  assert.ok(matched.faceBox?.[2] >= 24 && matched.faceBox[3] >= 24, JSON.stringify(matched.faceBox));
  const face = await fetch(`${kadr.url}${matched.faceUrl}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(face.status, 200);
  assert.deepEqual([...Buffer.from(await face.arrayBuffer()).subarray(0, 2)], [0xff, 0xd8], 'a JPEG');

  await correctToNewProfile(id, matched, profileId);
  assert.equal((await api('DELETE', `/api/cameras/${id}`)).status, 204);
});

/** The faces of a camera's analysed frames in a span of its wallclock: `[score, profileId | null]` each. */
async function facesOf(cameraId: string, fromMs: number, toMs: number): Promise<(string | null)[]> {
  const res = await api(
    'GET',
    `/api/cameras/${cameraId}/detections?from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}`,
  );
  assert.equal(res.status, 200, res.text);
  return (res.json.frames as { d: (string | number)[][] }[]).flatMap((f) =>
    f.d.filter((d) => d[0] === 'face').map((d) => (d[6] as string | undefined) ?? null),
  );
}

/** The camera's latest analysed frame (its wallclock). */
async function lastFrameMs(cameraId: string): Promise<number> {
  const res = await api(
    'GET',
    `/api/cameras/${cameraId}/detections?from=${new Date(Date.now() - 60_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`,
  );
  return Math.max(...(res.json.frames as { t: number }[]).map((f) => f.t));
}

/**
 * "This is not X" on a camera's face event: the event names a new profile made from her face (with its
 * crop as the picture), and the camera names her that profile from then on, never X; with the new
 * profile deleted, X's negatives alone keep X off her face.
 */
async function correctToNewProfile(cameraId: string, matched: any, x: string): Promise<void> {
  // After a whole loop of the clip (3.4 s), the event holds her faces as she walks and as she stands.
  await sleep(4000);
  const faceEvent = (await api('GET', `/api/events?camera=${cameraId}&type=face`)).json.items[0];
  const refusals: [string, unknown, number][] = [
    [`/api/events/${faceEvent.id}/not-this-person`, {}, 409],
    [`/api/events/${matched.id}/not-this-person`, { to: x }, 400],
    [`/api/events/${matched.id}/not-this-person`, { to: randomUUID() }, 404],
    [`/api/events/${randomUUID()}/not-this-person`, {}, 404],
    [`/api/events/${matched.id}/not-this-person`, { to: 'nobody' }, 400],
    [`/api/events/${matched.id}/not-this-person`, { other: x }, 400],
  ];
  for (const [url, body, status] of refusals) {
    const res = await api('POST', url, body);
    assert.equal(res.status, status, `${url} ${JSON.stringify(body)}: ${res.text}`);
  }
  const seen = new Set(
    ((await api('GET', `/api/events?camera=${cameraId}&type=profile`)).json.items as any[]).map((e) => e.id),
  );
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      ...['--import', 'tsx', path.join(ROOT, 'src/cli/bin.ts'), 'profile', 'not', '--event', matched.id],
      ...['--server', kadr.url],
    ],
    { cwd: ROOT, env: { ...process.env, KADR_TOKEN: token } },
  ).catch((e: any) => {
    throw new Error(`kadr profile not --event: ${e.stderr}`);
  });
  const made = /now names new profile ([0-9a-f-]{36})/.exec(stdout);
  assert.ok(made, stdout);
  const n = made[1]!;
  const correctedAtMs = await lastFrameMs(cameraId);
  const profile = (await api('GET', `/api/profiles/${n}`)).json;
  assert.deepEqual(profile.apartFrom, [x]);
  const crop = await fetch(`${kadr.url}${profile.cropUrl}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(crop.status, 200, 'the new profile has the face as its picture');
  // The event names the new profile (a later event of hers may name it already too).
  const named = (await api('GET', `/api/events?profile=${n}`)).json.items as any[];
  assert.ok(
    named.some((e) => e.id === matched.id),
    JSON.stringify(named),
  );
  const ofX = (await api('GET', `/api/events?profile=${x}&camera=${cameraId}`)).json.items as any[];
  assert.ok(!ofX.some((e) => e.id === matched.id), 'and no longer X');

  // A later match of the same person names the new profile.
  const later = await waitFor(
    'a later match of her face',
    async () => {
      const items = (await api('GET', `/api/events?camera=${cameraId}&type=profile`)).json.items as any[];
      return items.find((e) => !seen.has(e.id));
    },
    15_000,
  );
  assert.equal(later.profileId, n, JSON.stringify(later));
  // Through another loop, no analysed frame names X (a second after the correction: frames in flight).
  await sleep(4000);
  const since = await facesOf(cameraId, correctedAtMs + 1000, Date.now() + 60_000);
  assert.ok(since.filter((p) => p === n).length >= 10, `she is named the new profile: ${since.join(' ')}`);
  assert.ok(!since.includes(x), `X named again: ${since.join(' ')}`);

  // The new profile deleted: only X's negatives keep X off her face. Attached again, the analysis starts
  // with the profiles as they are now.
  assert.equal((await api('DELETE', `/api/profiles/${n}`)).status, 204);
  const reattachedAtMs = await lastFrameMs(cameraId);
  assert.equal(
    (await api('PUT', `/api/cameras/${cameraId}/analytics`, { detect: ['faces'], fps: FPS })).status,
    200,
  );
  await waitFor(
    'the analysis to run again',
    async () => ((await lastFrameMs(cameraId)) > reattachedAtMs ? true : undefined),
    20_000,
  );
  await sleep(4000);
  const unnamed = await facesOf(cameraId, reattachedAtMs + 1, Date.now() + 60_000);
  assert.ok(unnamed.length >= 15, `faces seen: ${unnamed.length}`);
  assert.ok(!unnamed.includes(x), `X named again: ${unnamed.join(' ')}`);
}

test('a profile made from a video of the same people is matched live; analytics are attached again after a restart', async () => {
  // The archive analysis makes the profiles (autoProfiles), from the same clip the camera shows.
  const form = new FormData();
  form.append('autoProfiles', 'true');
  form.append('files', new Blob([await readFile(FACES)], { type: 'video/mp4' }), 'faces.mp4');
  const up = await fetch(`${kadr.url}/api/videos`, {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(up.status, 201, await up.clone().text());
  const videoId = ((await up.json()) as any).items[0].id as string;
  await waitFor(
    'the upload to be analysed',
    async () => {
      const v = (await api('GET', `/api/videos/${videoId}`)).json;
      assert.ok(!['failed', 'cancelled'].includes(v.status), JSON.stringify(v));
      return v.status === 'done' ? v : undefined;
    },
    60_000,
  );
  const profiles = ((await api('GET', '/api/profiles?limit=100')).json.items as any[]).map((p) => p.id);
  assert.ok(profiles.length >= 1, 'profiles were made from the upload');

  const created = await api('POST', '/api/cameras', { name: 'lobby', url: rtsp.url('faces') });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id as string;
  const attached = await api('PUT', `/api/cameras/${id}/analytics`, { detect: ['faces'], fps: FPS });
  assert.equal(attached.status, 200, attached.text);
  const matched = await waitFor(
    'a face matched to a profile',
    async () => {
      const items = (await api('GET', `/api/events?camera=${id}&type=profile`)).json.items as any[];
      return items[0];
    },
    30_000,
  );
  assert.ok(profiles.includes(matched.profileId), `the event names a profile: ${JSON.stringify(matched)}`);
  const byProfile = await api('GET', `/api/events?profile=${matched.profileId}`);
  assert.ok(byProfile.json.items.some((e: any) => e.id === matched.id));
  const faceEvents = (await api('GET', `/api/events?camera=${id}&type=face`)).json.items as any[];
  assert.ok(faceEvents.length >= 1, 'a face event too');

  // Kept in PostgreSQL: a restarted server attaches the analytics again.
  assert.equal(await kadr.stop(), 0);
  kadr = await startKadr(serveArgs, serveEnv());
  await waitFor(
    'the analytics to run again after a restart',
    async () => {
      const a = (await api('GET', `/api/cameras/${id}`)).json.analytics;
      return a?.running && a.framesAnalysed > 0 ? a : undefined;
    },
    30_000,
  );
  assert.equal((await api('DELETE', `/api/cameras/${id}/analytics`)).status, 204);
});

/** A viewer of the camera's restream (the ffmpeg CLI over RTSP/TCP): how many frames it had, and when. */
function watchRestream(url: string): { counts: { atMs: number; frames: number }[]; stop: () => void } {
  const counts: { atMs: number; frames: number }[] = [];
  const p = spawn('ffmpeg', [
    ...['-v', 'error', '-nostats', '-rtsp_transport', 'tcp', '-i', url, '-map', '0:v', '-c', 'copy'],
    ...['-f', 'null', '-', '-progress', 'pipe:1', '-stats_period', '0.25'],
  ]);
  let rest = '';
  p.stdout.on('data', (d: Buffer) => {
    const lines = (rest + d.toString()).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      const m = /^frame=(\d+)/.exec(line);
      if (m) counts.push({ atMs: Date.now(), frames: Number(m[1]) });
    }
  });
  p.on('error', () => undefined);
  return { counts, stop: () => p.kill('SIGKILL') };
}

/** Frames the viewer had at a time (its last report before it). */
const viewerFramesAt = (counts: { atMs: number; frames: number }[], atMs: number) =>
  counts.filter((c) => c.atMs <= atMs).at(-1)?.frames ?? 0;

/** The pts (in the file's time base, as seconds) of the video packets of a recorded segment, with ffprobe. */
async function segmentPtsSeconds(key: string): Promise<number[]> {
  const file = path.join(dataDir, 'objects', ...key.split('/'));
  const { stdout } = await promisify(execFile)(
    'ffprobe',
    [
      ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts:stream=time_base'],
      ...['-of', 'json', file],
    ],
    { maxBuffer: 16 << 20 },
  );
  const probe = JSON.parse(stdout) as { packets: { pts: number }[]; streams: { time_base: string }[] };
  const [num, den] = probe.streams[0]!.time_base.split('/').map(Number) as [number, number];
  return probe.packets.map((p) => (p.pts * num) / den);
}

test('analytics that fall behind skip frames and report them; the recording and a viewer lose no frame', async (t) => {
  const created = await api('POST', '/api/cameras', {
    name: 'road',
    url: rtsp.url('cars-30fps'),
    record: true,
  });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id as string;
  const others = new Set(await analysisPids(kadr.proc.pid!));
  // Every frame of a 30 fps camera, faces and persons: more than one thread of this machine's models does.
  const attachedAt = Date.now();
  const attached = await api('PUT', `/api/cameras/${id}/analytics`, {
    detect: ['faces', 'persons'],
    fps: BUSY_FPS,
  });
  assert.equal(attached.status, 200, attached.text);
  const ready = await waitFor(
    'the analysis to run',
    async () => {
      const c = (await api('GET', `/api/cameras/${id}`)).json;
      return c.analytics.framesAnalysed > 5 ? c : undefined;
    },
    30_000,
  );
  const pid = (await analysisPids(kadr.proc.pid!)).find((p) => !others.has(p));
  assert.ok(pid, 'the camera has its analysis process');
  const viewer = watchRestream(ready.rtspUrl as string);
  try {
    await waitFor(
      'the viewer to play',
      async () => (viewerFramesAt(viewer.counts, Date.now()) > 15 ? true : undefined),
      15_000,
    );
    // The models stop for 5 s, as a model far slower than the camera would: the analysis falls 150 frames
    // behind, more than the 100 units the server lets wait for it.
    const before = (await api('GET', `/api/cameras/${id}`)).json.analytics;
    const stoppedAt = Date.now();
    process.kill(pid, 'SIGSTOP');
    await sleep(4800);
    // Reported as it happens: the frames the server drops for the stopped process count already.
    const stalled = (await api('GET', `/api/cameras/${id}`)).json.analytics;
    await sleep(200);
    process.kill(pid, 'SIGCONT');
    const resumedAt = Date.now();
    await sleep(4000);
    const after = (await api('GET', `/api/cameras/${id}`)).json;
    const a = after.analytics;
    assert.ok(
      stalled.framesSkipped > before.framesSkipped,
      `skipped frames are reported while the analysis is stopped: ${JSON.stringify(stalled)}`,
    );
    assert.equal(a.restarts, 0, 'a slow analysis is not a dead one');
    // Every sampled frame is analysed or counted as skipped, and none twice: since attaching, all the
    // frames of the camera, never more, less those before the analysis's first keyframe (1 s) and those
    // still on their way to its process (at most the 100 units the server lets wait, 3.3 s).
    const sampled = a.framesAnalysed + a.framesSkipped;
    const cameraS = (Date.now() - attachedAt) / 1000;
    t.diagnostic(`analytics ${JSON.stringify(a)} in ${cameraS.toFixed(1)} s since attaching`);
    assert.ok(
      sampled <= cameraS * BUSY_FPS + 1 && sampled >= (cameraS - 5) * BUSY_FPS,
      `${sampled} frames analysed or skipped in ${cameraS} s of a ${BUSY_FPS} fps camera`,
    );

    // The viewer got the frames of the stall in time: at least 80 % of the camera's frame rate all along.
    const during = viewerFramesAt(viewer.counts, resumedAt) - viewerFramesAt(viewer.counts, stoppedAt);
    const duringS = (resumedAt - stoppedAt) / 1000;
    assert.ok(during >= duringS * BUSY_FPS * 0.8, `the viewer had ${during} frames in ${duringS} s`);
    assert.equal(after.health.skippedUnits, 0, 'no consumer of the camera fell behind');
    assert.equal(after.health.reconnects, 0);

    // The recording holds every frame of the camera: its pts go one frame at a time, across the stall.
    const from = new Date(stoppedAt - 1000).toISOString();
    const to = new Date(resumedAt + 1000).toISOString();
    const rec = await waitFor(
      'the segments of the stall to be stored',
      async () => {
        const r = await api('GET', `/api/cameras/${id}/recordings?from=${from}&to=${to}`);
        assert.equal(r.status, 200, r.text);
        const last = r.json.segments.at(-1);
        return last && Date.parse(last.end) >= resumedAt + 1000 ? r.json : undefined;
      },
      15_000,
    );
    assert.deepEqual(rec.gaps, [], 'the recording has no gap');
    const pts = (await Promise.all(rec.segments.map((s: any) => segmentPtsSeconds(s.key))))
      .flat()
      .sort((x, y) => x - y);
    const recorded = pts;
    const steps = recorded.slice(1).map((t, i) => t - recorded[i]!);
    const wrong = steps.filter((d) => Math.abs(d - 1 / BUSY_FPS) > 1e-4);
    assert.deepEqual(wrong, [], `every recorded frame follows the one before by 1/${BUSY_FPS} s`);
    const spanS = recorded.at(-1)! - recorded[0]!;
    assert.ok(spanS > duringS + 2, `the recording spans the stall (${spanS} s)`);
    t.diagnostic(`viewer: ${during} frames in ${duringS} s of stall; recording: ${recorded.length} frames`);
    assert.equal(
      rec.segments.reduce((n: number, s: any) => n + s.frames, 0),
      recorded.length,
      'the segments index every frame',
    );
  } finally {
    viewer.stop();
    assert.equal((await api('DELETE', `/api/cameras/${id}`)).status, 204);
  }
});

interface EvalFrame {
  index: number;
  persons: [number, number, number, number][];
  ignore?: [number, number, number, number][];
}

const iou = (a: number[], b: number[]) => {
  const w = Math.min(a[0]! + a[2]!, b[0]! + b[2]!) - Math.max(a[0]!, b[0]!);
  const h = Math.min(a[1]! + a[3]!, b[1]! + b[3]!) - Math.max(a[1]!, b[1]!);
  const inter = Math.max(0, w) * Math.max(0, h);
  return inter / (a[2]! * a[3]! + b[2]! * b[3]! - inter);
};

test('a zone keeps the people whose feet stand in it, as the labels say, and drops the others', async (t) => {
  const plaza = JSON.parse(await readFile(path.join(EVAL, 'labels/vtest-0-20s.json'), 'utf8')) as {
    width: number;
    height: number;
    frames: EvalFrame[];
  };
  const H = plaza.height;
  const all = await thumbs(PLAZA);
  const plazaThumbs = Array.from({ length: PLAZA_FRAMES }, (_, i) =>
    all.subarray(i * THUMB_W * THUMB_H, (i + 1) * THUMB_W * THUMB_H),
  );
  // The nearer part of the plaza: the lower 48 % of the picture. The labelled feet are at least 5 px
  // from its edge (y 0.52 of 576 px); people whose feet are within 8 px of it may count either way.
  const ZONE_Y = 0.52;
  const zone: [number, number][] = [
    [0, ZONE_Y],
    [1, ZONE_Y],
    [1, 1],
    [0, 1],
  ];
  const created = await api('POST', '/api/cameras', { name: 'plaza', url: rtsp.url('vtest-0-20s') });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id as string;
  const attachedAt = Date.now();
  // Every frame (10 fps), so that the labelled frames are among the analysed ones.
  const attached = await api('PUT', `/api/cameras/${id}/analytics`, {
    detect: ['persons'],
    fps: 10,
    zones: [zone],
  });
  assert.equal(attached.status, 200, attached.text);
  assert.deepEqual(attached.json.analytics.zones, [zone]);
  for (const zones of [
    [[[0, 0]]],
    [
      [
        [0, 0],
        [1.5, 0],
        [1, 1],
      ],
    ],
  ]) {
    const bad = await api('PUT', `/api/cameras/${id}/analytics`, { detect: ['persons'], zones });
    assert.equal(bad.status, 400, bad.text);
  }

  // Which frame of the clip each analysed frame is: the snapshot of a person event is one analysed
  // frame, found among the clip's frames by its picture; the others follow by their pts (10 fps).
  const anchor = await waitFor(
    'a person event with a settled snapshot',
    async () => {
      const [event] = await eventsOf(id);
      if (!event?.snapshotUrl) return undefined;
      const snap = await fetch(`${kadr.url}${event.snapshotUrl}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const jpeg = Buffer.from(await snap.arrayBuffer());
      const again = (await eventsOf(id))[0];
      return again.snapshotAt === event.snapshotAt ? { event, jpeg } : undefined;
    },
    30_000,
  );
  let best = { index: -1, diff: Infinity };
  const snapThumb = await thumbs(anchor.jpeg);
  plazaThumbs.forEach((t, index) => {
    const diff = meanDiff(t, snapThumb);
    if (diff < best.diff) best = { index, diff };
  });
  assert.ok(best.diff < 4, `the snapshot is a frame of the clip (diff ${best.diff})`);
  const [num, den] = (anchor.event.timeBase as string).split('/').map(Number) as [number, number];
  const frameTicks = den / num / 10;
  const labelled = new Map(plaza.frames.map((f) => [f.index, f]));

  type Frame = { t: number; pts: string; d: [string, number, number, number, number, number][] };
  const hits = await waitFor(
    'analysed frames at 6 labelled frames',
    async () => {
      const from = new Date(attachedAt - 5000).toISOString();
      const to = new Date(Date.now() + 1000).toISOString();
      const frames = (await api('GET', `/api/cameras/${id}/detections?from=${from}&to=${to}`)).json
        .frames as Frame[];
      const at = frames.find((f) => Math.ceil(f.t) === Date.parse(anchor.event.snapshotAt));
      if (!at) return undefined;
      const byIndex = new Map<number, Frame>();
      for (const f of frames) {
        const steps = Number(BigInt(f.pts) - BigInt(at.pts)) / frameTicks;
        const index = (((best.index + Math.round(steps)) % PLAZA_FRAMES) + PLAZA_FRAMES) % PLAZA_FRAMES;
        if (labelled.has(index)) byIndex.set(index, f);
      }
      return byIndex.size >= 6 ? byIndex : undefined;
    },
    40_000,
  );

  const margin = 8 / H;
  let inside = 0;
  let found = 0;
  let feetInBodyOut = 0;
  const report: string[] = [];
  for (const [index, frame] of hits) {
    const truth = labelled.get(index)!;
    const boxes = frame.d.filter((d) => d[0] === 'person').map((d) => d.slice(2, 6) as number[]);
    // The rule itself: every detection kept stands in the zone.
    for (const b of boxes) assert.ok(b[1]! + b[3]! >= ZONE_Y * H - 1, `frame ${index}: ${b} stands outside`);
    const feet = (p: number[]) => (p[1]! + p[3]!) / H;
    const sure = truth.persons.filter((p) => feet(p) > ZONE_Y + margin);
    const edge = truth.persons.filter((p) => Math.abs(feet(p) - ZONE_Y) <= margin);
    const outside = truth.persons.filter((p) => feet(p) < ZONE_Y - margin);
    const matched = sure.filter((p) => boxes.some((b) => iou(b, p) >= 0.5));
    inside += sure.length;
    found += matched.length;
    feetInBodyOut += matched.filter((p) => (p[1]! + p[3]! / 2) / H < ZONE_Y).length;
    // Nobody standing outside the zone is among the detections.
    for (const p of outside)
      assert.ok(!boxes.some((b) => iou(b, p) >= 0.3), `frame ${index}: ${p} is outside`);
    // Nothing else is either (the zone's people, those on its edge, and a labelled ignore region).
    const known = [...sure, ...edge, ...(truth.ignore ?? [])];
    const stray = boxes.filter((b) => !known.some((p) => iou(b, p) >= 0.3));
    assert.ok(stray.length <= 1, `frame ${index}: detections of no one in the zone ${JSON.stringify(stray)}`);
    report.push(`${index}: ${matched.length}/${sure.length} in, ${outside.length} out, ${boxes.length} kept`);
  }
  t.diagnostic(`labelled frames analysed: ${report.join('; ')}`);
  assert.ok(inside >= 4, `people in the zone at the labelled frames: ${report.join('; ')}`);
  assert.ok(found >= inside * 0.8, `found ${found} of ${inside}: ${report.join('; ')}`);
  // Feet, not the box centre: some of those found have the centre of their box outside the zone.
  assert.ok(feetInBodyOut >= 1, `people kept by their feet: ${feetInBodyOut}`);
  assert.equal((await api('DELETE', `/api/cameras/${id}`)).status, 204);
});
