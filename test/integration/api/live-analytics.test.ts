/**
 * Live analytics on a camera made of real footage (test/fixtures/live-analytics, README there: a 21 s clip of people
 * walking in one by one, looped by `kadr rtsp-serve`, with labels made by looking at its frames), as a
 * user runs it: `kadr serve` with a real PostgreSQL records the camera, analytics attached through the
 * API find people. Checked: the person events start and end at the labelled times (within the sampling
 * interval); the recording's frame at an event's time is the very picture the analysis saw (matched
 * against the clip's own frames); detaching stops new events and attaching again resumes them; kill -9
 * of the analysis process restarts it while the recording and the camera go on without a gap. Then
 * faces: a profile made from one photo of a person (test/fixtures/faces, another picture than the clip)
 * is matched live the first time a camera shows her, and the event names it; profiles made by the
 * archive analysis of a face clip (autoProfiles) are matched live on a camera showing the same people;
 * the analytics survive a server restart.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the answers are read field by field, as JSON */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/live-analytics');
const CLIP = path.join(FIXTURES, 'one-by-one-5-26s.mp4');
const CLIP_FRAMES = 210;
/** Three people walking towards the camera, faces of 33 to 60 px (Intel IoT sample videos, CC BY 4.0). */
const FACES = path.join(FIXTURES, 'faces.mp4');
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
  rtsp = await startKadrRtspServe([CLIP, FACES], ['--loop']);
  serveArgs = ['serve', '--port', '0', '--data', dataDir, '--concurrency', '1', '--rtsp-port', '0'];
  kadr = await startKadr(serveArgs, serveEnv());
});
after(async () => {
  sse?.stop();
  await kadr?.stop();
  await rtsp?.stop();
  await tdb?.drop();
  await rm(dataDir, { recursive: true, force: true });
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
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== serverPid) continue;
      const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8');
      if (cmdline.includes('camera-analytics.child')) return Number(name);
    } catch {
      // the process ended while we looked
    }
  }
  throw new Error('no analysis process among the server children');
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
  assert.equal((await api('DELETE', `/api/cameras/${id}`)).status, 204);
});

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
