/**
 * Cameras under faults, end to end through `kadr serve` (real PostgreSQL, S3 = Ceph radosgw, a live
 * gst-rtsp-server camera, real viewers):
 *  - the camera drops for 10 s while it records and a GStreamer viewer watches the restream: the
 *    state goes reconnecting -> live, the gap is listed with its reason and about the outage's length,
 *    recording resumes, and the viewer keeps its session (docs/live-cameras.md, Restream);
 *  - the object store is down for 30 s while the camera records: the segments of the outage are
 *    stored from the spool when it returns, each listed with its object, none missing;
 *  - a camera whose address accepts TCP and never answers, switched on for recording: `failed` with a
 *    readable error, retried with a growing back-off, and nothing else is disturbed.
 * One `kadr serve` runs all three, the silent camera from the start, so its back-off is watched
 * while the other faults run.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the answers are read field by field, as JSON */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { objectStoreFromEnv, type ObjectStore } from '../../../src/storage/index.js';
import { killRgw, startRgw } from '../../harness/s3/rgw-control.js';
import { sleepMs, startGstViewer, startLiveSource, until, type LiveSource } from '../streams/live-peers.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { callApi } from './support/api-call.js';
import { kadrEnv, startKadr, type KadrProcess } from './support/kadr-process.js';

const run = promisify(execFile);
const token = randomBytes(24).toString('hex');
const bucket = `kadr-cam-faults-${randomBytes(4).toString('hex')}`;
/** One frame interval of the live camera (25 fps), and the slack allowed between touching segments. */
const FRAME_MS = 40;
let tdb: TestDatabase;
let dataDir: string;
let source: LiveSource;
let kadr: KadrProcess;
let store: ObjectStore;
let rgwDown = false;
/** The silent camera: accepts TCP, never says a word. Each connection: when it came, and whether
 *  it sent anything (an RTSP attempt does; the supervisor's reachability probe only connects). */
let silent: net.Server;
const silentConnects: { at: number; spoke: boolean }[] = [];
let silentId: string;
const silentSockets = new Set<net.Socket>();

const api = (method: string, url: string, body?: unknown) => callApi(kadr.url, token, method, url, body);

async function camera(id: string): Promise<Record<string, any>> {
  const got = await api('GET', `/api/cameras/${id}`);
  assert.equal(got.status, 200, got.text);
  return got.json;
}

/** Polls the camera until `check` holds; returns the camera then. */
async function waitCamera(
  id: string,
  check: (cam: Record<string, any>) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  let cam = await camera(id);
  while (!check(cam)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(cam)}`);
    await sleepMs(100);
    cam = await camera(id);
  }
  return cam;
}

async function recordings(id: string, fromMs: number): Promise<{ segments: any[]; gaps: any[] }> {
  const from = new Date(fromMs).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();
  const got = await api('GET', `/api/cameras/${id}/recordings?from=${from}&to=${to}`);
  assert.equal(got.status, 200, got.text);
  return got.json as { segments: any[]; gaps: any[] };
}

async function waitRecordings(
  id: string,
  fromMs: number,
  check: (r: { segments: any[]; gaps: any[] }) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<{ segments: any[]; gaps: any[] }> {
  const deadline = Date.now() + timeoutMs;
  let r = await recordings(id, fromMs);
  while (!check(r)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(r)}`);
    await sleepMs(250);
    r = await recordings(id, fromMs);
  }
  return r;
}

/** Video packets in a stored segment, as ffprobe counts them. */
async function countPackets(location: string): Promise<number> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-count_packets',
    '-show_entries',
    'stream=nb_read_packets',
    '-of',
    'csv=p=0',
    location,
  ]);
  return Number(stdout.trim());
}

let camId: string;
const t0 = Date.now() - 60_000;

before(async () => {
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-cameras-faults-'));
  source = await startLiveSource({ cam: 'h264' });
  silent = net.createServer((socket) => {
    const conn = { at: Date.now(), spoke: false };
    silentConnects.push(conn);
    silentSockets.add(socket);
    socket.on('data', () => (conn.spoke = true));
    socket.on('error', () => {});
    socket.on('close', () => silentSockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const env = kadrEnv(
    {
      DATABASE_URL: tdb.url,
      KADR_API_TOKEN: token,
      KADR_CAMERA_SEGMENT_SECONDS: '2',
      KADR_SPOOL_DIR: path.join(dataDir, 'spool'),
      KADR_NODE_ID: 'node-1',
      S3_BUCKET: bucket,
    },
    true,
  );
  store = objectStoreFromEnv({ ...process.env, S3_BUCKET: bucket });
  kadr = await startKadr(
    ['serve', '--port', '0', '--data', dataDir, '--concurrency', '0', '--rtsp-port', '0'],
    env,
  );
  const { port } = silent.address() as net.AddressInfo;
  const added = await api('POST', '/api/cameras', {
    name: 'silent',
    url: `rtsp://127.0.0.1:${port}/stream1`,
    record: true,
  });
  assert.equal(added.status, 201, added.text);
  silentId = added.json.id as string;
  const cam = await api('POST', '/api/cameras', { name: 'gate', url: source.url('cam'), record: true });
  assert.equal(cam.status, 201, cam.text);
  camId = cam.json.id as string;
});
after(async () => {
  if (rgwDown) await startRgw().catch(() => {});
  await kadr?.stop();
  await source?.kill();
  for (const s of silentSockets) s.destroy();
  await new Promise((r) => (silent ? silent.close(r) : r(undefined)));
  await tdb?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

test('the camera drops for 10 s while recorded and watched: reconnects, the gap is listed, recording and the viewer go on', async () => {
  await waitCamera(camId, (c) => c.state === 'live', 'the camera live');
  await waitRecordings(camId, t0, (r) => r.segments.length >= 2, 'two segments before the outage');
  const rtspUrl = (await camera(camId)).rtspUrl as string;
  const viewer = startGstViewer(rtspUrl, 'tcp', 'h264', 22);
  await until(() => viewer.now.timestamps.length >= 25, 'the viewer receiving frames', 15_000);

  const upstream = source.connected;
  const killedAt = Date.now();
  await source.kill();
  const down = await waitCamera(camId, (c) => c.state === 'reconnecting', 'reconnecting', 10_000);
  assert.ok(down.lastError, 'a lost connection says why');
  const framesBefore = viewer.now.timestamps.length;
  await sleepMs(10_000 - (Date.now() - killedAt));
  await source.restart();
  const backAt = Date.now();
  const [connectedAtReturn, closedAtReturn] = [source.connected, source.closed];
  const live = await waitCamera(camId, (c) => c.state === 'live', 'live again');
  assert.equal(live.health.reconnects, 1);
  assert.equal(live.lastError, null, 'the error is cleared once live');

  const r = await waitRecordings(
    camId,
    t0,
    (x) => x.gaps.length >= 1 && x.segments.filter((s) => s.start >= x.gaps[0].to).length >= 2,
    'the gap listed and two segments after it',
  );
  assert.equal(r.gaps.length, 1, JSON.stringify(r.gaps));
  const gap = r.gaps[0];
  const gapMs = Date.parse(gap.to) - Date.parse(gap.from);
  const outageMs = backAt - killedAt;
  console.log(`camera outage ${outageMs} ms (kill to restarted), gap recorded ${gapMs} ms: ${gap.reason}`);
  assert.match(gap.reason, /\S/);
  // The gap runs from the last frame received before the kill to the first after the return: at
  // least the 10 s the camera was away, at most the outage plus the reconnect and its first keyframe.
  assert.ok(gapMs >= 10_000 - FRAME_MS, `gap ${gapMs} ms`);
  assert.ok(gapMs <= outageMs + 4_000, `gap ${gapMs} ms for an outage of ${outageMs} ms`);
  assert.ok(Date.parse(gap.from) <= killedAt + 100, 'the gap starts at the last frame before the kill');
  const before = r.segments.filter((s) => s.end <= gap.from);
  assert.ok(before.length >= 2, 'segments before the gap stay listed');

  // The viewer kept its one session: frames before and after, no error, no end of stream.
  const seen = await viewer.done;
  assert.equal(seen.error, null);
  assert.equal(seen.ended, false, 'no end of stream: the session went on');
  const after = seen.at.filter((t) => t >= backAt).length;
  const pause = Math.max(...seen.at.slice(1).map((t, i) => t - seen.at[i]!));
  console.log(`viewer: ${seen.at.length} frames in one session, longest pause ${pause} ms`);
  assert.ok(framesBefore >= 25 && after >= 25, `frames before ${framesBefore}, after the return ${after}`);
  // One upstream connection before the outage; after it, one that stays (the supervisor's TCP
  // probe that saw the port come back shows as a connection closed at once).
  assert.equal(upstream, 1);
  const opened = source.connected - connectedAtReturn;
  const closed = source.closed - closedAtReturn;
  assert.equal(opened - closed, 1, `after the return: ${opened} connections, ${closed} closed`);
});

test('the object store is down for 30 s while the camera records: every segment is stored and listed after', async () => {
  const startMs = Date.now();
  await sleepMs(1_000);
  const downAt = Date.now();
  rgwDown = true;
  await killRgw();
  await sleepMs(30_000 - (Date.now() - downAt));
  // PostgreSQL is up: only stored segments get rows, so none names an object the store does not have.
  const during = await recordings(camId, downAt + 2_000);
  await startRgw();
  rgwDown = false;
  const upAt = Date.now();
  console.log(`S3 (radosgw) down ${upAt - downAt} ms; segments listed while down: ${during.segments.length}`);
  assert.ok((await camera(camId)).state === 'live', 'the camera stays live');

  // Segments cover the outage once the spool is drained; the camera never stopped, so they touch.
  const r = await waitRecordings(
    camId,
    startMs,
    (x) => x.segments.some((s) => Date.parse(s.start) >= upAt + 2_000),
    'segments past the outage',
    40_000,
  );
  const segs = r.segments.filter((s) => Date.parse(s.end) > startMs);
  assert.deepEqual(r.gaps, [], 'no gap: the camera kept sending all along');
  for (let i = 1; i < segs.length; i++) {
    const hole = Date.parse(segs[i].start) - Date.parse(segs[i - 1].end);
    assert.ok(Math.abs(hole) <= FRAME_MS, `segment ${i} starts ${hole} ms after the previous one ends`);
  }
  const outage = segs.filter((s) => Date.parse(s.end) > downAt && Date.parse(s.start) < upAt);
  const covered = outage.reduce((n, s) => n + (Date.parse(s.end) - Date.parse(s.start)), 0);
  assert.ok(covered >= upAt - downAt, `the outage's ${upAt - downAt} ms are in segments (${covered} ms)`);
  for (const s of segs) {
    // A segment runs from its first frame to the end of its last: 40 ms a frame, none missing.
    const span = Date.parse(s.end) - Date.parse(s.start);
    assert.ok(Math.abs(s.frames * FRAME_MS - span) <= 2, `${s.frames} frames over ${span} ms`);
    const key = String(s.key).replace(`s3://${bucket}/`, '');
    const head = await store.head(key);
    assert.ok(head && head.size > 0, `the object of ${s.key} is stored`);
  }
  const frames = outage.reduce((n, s) => n + s.frames, 0);
  console.log(
    `${outage.length} segments (${frames} frames) over the outage, ${segs.length} since the test began`,
  );
  // The objects of the outage hold the frames their rows count (ffprobe reads them from S3).
  for (const s of outage) {
    const key = String(s.key).replace(`s3://${bucket}/`, '');
    assert.equal(await countPackets(await store.readLocation(key)), s.frames, `${s.key} is whole`);
  }
  // Nothing waits in the spool any more.
  const spool = path.join(dataDir, 'spool', 'cameras', 'node-1', camId);
  assert.ok(existsSync(spool), 'the camera spool of this node');
  await until(
    () => !existsSync(spool) || readdirSync(spool).filter((n) => n.endsWith('.journal')).length <= 1,
    'the spool drained (the segment being recorded aside)',
  );
});

test('a camera that never answers: failed with a readable error, retried with back-off, recording it harms nothing', async () => {
  const cam = await camera(silentId);
  assert.equal(cam.state, 'failed', JSON.stringify(cam));
  console.log(`silent camera: ${cam.lastError}`);
  assert.match(cam.lastError, /^cannot open rtsp:\/\/127\.0\.0\.1:\d+\/stream1: .*no response/);
  assert.equal(cam.record, true);
  const attempts = silentConnects.filter((c) => c.spoke).map((c) => c.at);
  const probes = silentConnects.length - attempts.length;
  const steps = attempts.slice(1).map((t, i) => t - attempts[i]!);
  console.log(
    `silent camera: ${attempts.length} RTSP attempts spaced ${steps.join(', ')} ms; ${probes} probes`,
  );
  assert.ok(attempts.length >= 4, `attempts ${attempts.length}`);
  // Each attempt waits out the DESCRIBE timeout, then the back-off doubles (0.5, 1, 2, 4 s...).
  for (let i = 1; i < steps.length; i++)
    assert.ok(steps[i]! > steps[i - 1]! + 250, `the spacing grows: ${steps.join(', ')} ms`);
  // The reachability probe does not hammer a port that answers (one per wait at most).
  assert.ok(probes <= attempts.length, `${probes} probes for ${attempts.length} attempts`);
  const list = await recordings(silentId, t0);
  assert.deepEqual(list, { segments: [], gaps: [] });
  assert.equal(kadr.proc.exitCode, null, 'kadr serve still runs');
  assert.equal((await camera(camId)).state, 'live', 'the other camera is unaffected');
});
