/**
 * A trigger on a camera group, as a user runs it: `kadr serve` with four live cameras
 * (gst-rtsp-server, a keyframe every 3 s, RTCP sender reports from its clock; each camera's pipeline
 * starts when kadr connects, so their GOPs are out of phase). Two record continuously, two do not.
 * The group is made with `kadr camera group add`; one trigger asks for a clip of each camera from
 * the trigger instant. Every clip's first frame shown (ffprobe, edit list applied) is the recording's
 * frame at the trigger instant: its wallclock (the recording's frame index) is at or before the
 * instant and the next frame's after it, for the cameras that recorded already and for those the
 * trigger switched on (their kept GOP is the pre-roll). The spread of those frames' wallclocks is
 * measured and within one frame interval (40 ms at 25 fps).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the answers are read field by field, as JSON */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startLiveSource, type LiveSource } from '../streams/live-peers.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { callApi } from './support/api-call.js';
import { kadrEnv, startKadr, type KadrProcess } from './support/kadr-process.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../../..');
const token = randomBytes(24).toString('hex');
const FRAME_MS = 40;
let tdb: TestDatabase;
let dataDir: string;
let source: LiveSource;
let kadr: KadrProcess;

const api = (method: string, url: string, body?: unknown) => callApi(kadr.url, token, method, url, body);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function cli(...args: string[]): Promise<any> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'src/cli/bin.ts'), 'camera', ...args, '--server', kadr.url, '--json'],
    { cwd: ROOT, env: kadrEnv({ KADR_TOKEN: token }) },
  );
  return JSON.parse(stdout);
}

/** Frames FFmpeg shows from a file (edit lists applied): pts and MD5 of the picture. */
async function frameMd5(file: string, copyTs: boolean): Promise<{ pts: bigint; md5: string }[]> {
  const { stdout } = await run(
    'ffmpeg',
    [
      '-v',
      'error',
      ...(copyTs ? ['-copyts'] : []),
      '-i',
      file,
      ...['-enc_time_base:v', '-1', '-vsync', 'passthrough', '-f', 'framemd5', '-'],
    ],
    { maxBuffer: 64 << 20 },
  );
  return stdout
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',').map((s) => s.trim()))
    .map((f) => ({ pts: BigInt(f[2]!), md5: f[5]! }));
}

async function probe(file: string, what: 'frames' | 'packets'): Promise<any[]> {
  const entries = what === 'frames' ? 'frame=pts,key_frame' : 'packet=pts,flags';
  const { stdout } = await run(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', `-show_${what}`, '-show_entries', entries, '-of', 'json', file],
    { maxBuffer: 64 << 20 },
  );
  return JSON.parse(stdout)[what] as any[];
}

before(async () => {
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-camera-trigger-'));
  source = await startLiveSource({ c0: 'h264-gop3', c1: 'h264-gop3', c2: 'h264-gop3', c3: 'h264-gop3' });
  kadr = await startKadr(
    ['serve', '--port', '0', '--data', dataDir, '--concurrency', '0', '--rtsp-port', '0'],
    kadrEnv({ DATABASE_URL: tdb.url, KADR_API_TOKEN: token, KADR_CAMERA_SEGMENT_SECONDS: '2' }),
  );
});
after(async () => {
  await kadr?.stop();
  await source?.kill();
  await tdb?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

test('one trigger on four cameras: every clip starts at the frame at the trigger instant', async (t) => {
  const ids: string[] = [];
  for (const [i, name] of ['c0', 'c1', 'c2', 'c3'].entries()) {
    const res = await api('POST', '/api/cameras', { name: `car-${i}`, url: source.url(name), record: i < 2 });
    assert.equal(res.status, 201, res.text);
    ids.push(res.json.id);
  }
  const group = await cli('group', 'add', 'train', 'car-0', 'car-1', 'car-2', ids[3]!);
  assert.deepEqual(group.cameras, ids);

  // Live, and the continuous recordings hold a segment: the trigger comes after both.
  const since = new Date(Date.now() - 60_000).toISOString();
  for (let i = 0; ; i++) {
    const cams = (await api('GET', '/api/cameras')).json.items as any[];
    const lists = await Promise.all(
      ids.slice(0, 2).map(async (id) => {
        const until = new Date(Date.now() + 60_000).toISOString();
        return (await api('GET', `/api/cameras/${id}/recordings?from=${since}&to=${until}`)).json;
      }),
    );
    if (cams.every((c) => c.state === 'live') && lists.every((l) => l.segments.length >= 1)) break;
    assert.ok(i < 80, JSON.stringify(cams.map((c) => [c.name, c.state])));
    await sleep(500);
  }
  // Past the first sender reports (gst-rtsp-server sends one within a few seconds).
  await sleep(2500);

  const posted = await api('POST', `/api/camera-groups/${group.id}/trigger`, { durationSeconds: 2 });
  assert.equal(posted.status, 202, posted.text);
  assert.equal(posted.json.status, 'recording');
  const atMs = Date.parse(posted.json.at);
  for (const id of ids.slice(2)) {
    assert.equal((await api('GET', `/api/cameras/${id}`)).json.recording, true, 'switched on by the trigger');
  }

  let trig: Record<string, any> = posted.json;
  for (let i = 0; i < 160 && trig.status !== 'done' && trig.status !== 'failed'; i++) {
    await sleep(250);
    trig = (await api('GET', `/api/triggers/${posted.json.id}`)).json;
  }
  assert.equal(trig.status, 'done', JSON.stringify(trig));
  assert.equal(trig.progress, 100);
  for (const id of ids.slice(2)) {
    const cam = (await api('GET', `/api/cameras/${id}`)).json;
    assert.equal(cam.recording, false, 'switched off again after the window');
  }

  const objects = path.join(dataDir, 'objects');
  const triggerFrames: number[] = [];
  const lead: number[] = [];
  for (const [i, cam] of (trig.cameras as any[]).entries()) {
    assert.equal(cam.cameraId, ids[i]);
    assert.equal(cam.status, 'done', JSON.stringify(cam));
    assert.equal(
      cam.firstFrameTime,
      cam.triggerFrameTime,
      'no pre-roll asked: the clip starts at the trigger',
    );
    // The recording's frame at the instant, and the next one, from its frame index.
    const frame = (await api('GET', `/api/cameras/${cam.cameraId}/frame?at=${trig.at}&format=json`)).json;
    assert.equal(frame.frameTime, cam.triggerFrameTime);
    const until = new Date(atMs + 60_000).toISOString();
    const list = (await api('GET', `/api/cameras/${cam.cameraId}/recordings?from=${since}&to=${until}`)).json;
    const segs = list.segments as any[];
    const s = segs.findIndex((x) => x.id === frame.segmentId);
    const indexOf = async (seg: any) =>
      JSON.parse(
        await readFile(path.join(objects, ...seg.key.replace(/\.mp4$/, '.index.json').split('/')), 'utf8'),
      );
    const clock = (ix: any, n: number): number => (frame.clock === 'rtcp' ? ix.ntpMs[n] : ix.receivedAtMs[n]);
    const ix = await indexOf(segs[s]);
    const here = clock(ix, frame.index);
    const next =
      frame.index + 1 < ix.ptsTicks.length
        ? clock(ix, frame.index + 1)
        : clock(await indexOf(segs[s + 1]), 0);
    assert.ok(
      here <= atMs && atMs < next,
      `camera ${i}: frame ${here} <= trigger ${atMs} < next frame ${next}`,
    );
    assert.equal(Math.floor(here), Date.parse(cam.triggerFrameTime));
    triggerFrames.push(here);

    // The clip: its first frame shown is that frame, picture for picture.
    const clip = path.join(objects, ...cam.key.split('/'));
    const frames = await probe(clip, 'frames');
    assert.equal(Number(frames[0].pts), 0, 'presentation starts at the frame at the trigger');
    assert.equal(frames.length, cam.frames);
    const shown = await frameMd5(clip, false);
    const recorded = (await frameMd5(path.join(objects, ...segs[s].key.split('/')), true)).find(
      (f) => f.pts === BigInt(frame.ptsTicks),
    );
    assert.equal(shown[0]!.md5, recorded?.md5, `camera ${i}: the clip's first picture is the recording's`);
    // Packets before the first frame shown: the GOP head from the keyframe before the trigger.
    const packets = await probe(clip, 'packets');
    assert.ok(String(packets[0].flags).startsWith('K'));
    lead.push(packets.filter((p) => Number(p.pts) < 0).length);
  }
  // The trigger fell mid-GOP on at least one camera (a keyframe every 75 frames, phases apart).
  assert.ok(
    lead.some((n) => n > 0),
    `frames between each camera's keyframe and the trigger: ${lead.join(',')}`,
  );
  const spread = Math.max(...triggerFrames) - Math.min(...triggerFrames);
  t.diagnostic(
    `trigger spread after alignment: ${spread.toFixed(3)} ms over 4 cameras (reported ${trig.spreadMs} ms); ` +
      `frames from keyframe to trigger: ${lead.join(',')}`,
  );
  assert.ok(Math.abs(spread - trig.spreadMs) <= 1, `reported ${trig.spreadMs}, measured ${spread}`);
  assert.ok(spread < FRAME_MS, `spread ${spread} ms is within one frame interval`);
});

test('groups: 4xx for bad input, list, rename, remove', async () => {
  const ids = ((await api('GET', '/api/cameras')).json.items as any[]).map((c) => c.id as string);
  const cases: [unknown, number, RegExp][] = [
    [{ name: 'train', cameras: ids.slice(0, 1) }, 409, /already exists/],
    [{ name: 'other', cameras: ['00000000-0000-4000-8000-000000000000'] }, 404, /does not exist/],
    [{ name: 'other', cameras: [] }, 400, /cameras/],
    [{ name: 'other', cameras: [ids[0], ids[0]] }, 400, /twice/],
    [{ name: 'bad name!', cameras: ids.slice(0, 1) }, 400, /name/],
  ];
  for (const [body, status, message] of cases) {
    const res = await api('POST', '/api/camera-groups', body);
    assert.equal(res.status, status, `${JSON.stringify(body)}: ${res.text}`);
    assert.match(res.text, message);
  }
  const [listed] = (await cli('group', 'list')) as any[];
  assert.equal(listed.name, 'train');
  const renamed = await api('PATCH', `/api/camera-groups/${listed.id}`, {
    name: 'train-2',
    cameras: ids.slice(1),
  });
  assert.equal(renamed.status, 200, renamed.text);
  assert.deepEqual(renamed.json.cameras, ids.slice(1));
  const bad = await api('POST', `/api/camera-groups/${listed.id}/trigger`, { durationSeconds: 0 });
  assert.equal(bad.status, 400, bad.text);
  const far = await api('POST', `/api/camera-groups/${listed.id}/trigger`, { at: '2001-01-01T00:00:00Z' });
  assert.equal(far.status, 400, far.text);
  const unknown = await api('POST', '/api/camera-groups/00000000-0000-4000-8000-000000000000/trigger');
  assert.equal(unknown.status, 404, `a trigger without a body is valid: ${unknown.text}`);
  assert.equal((await api('GET', '/api/triggers/00000000-0000-4000-8000-000000000000')).status, 404);
  assert.equal((await api('GET', '/api/camera-groups/nope')).status, 400);
  const doc = (await api('GET', '/api/openapi.json')).json;
  for (const p of [
    '/api/camera-groups',
    '/api/camera-groups/{id}',
    '/api/camera-groups/{id}/trigger',
    '/api/triggers/{id}',
  ]) {
    assert.ok(doc.paths[p], `${p} is in the OpenAPI document`);
  }
  await cli('group', 'rm', 'train-2');
  assert.equal((await api('GET', `/api/camera-groups/${listed.id}`)).status, 404);
  assert.deepEqual((await api('GET', '/api/camera-groups')).json.items, []);
});
