/**
 * A camera recorded continuously and played back by wallclock, end to end with real peers:
 * gst-rtsp-server (sending RTCP sender reports) → a real LiveCamera → the RecordingManager (segments
 * in a folder store, rows in PostgreSQL) → the HTTP routes. The source dies mid-recording and comes
 * back: a gap row with its reason, recording resumes.
 *
 * The truth for "the frame at wallclock T" is computed without kadr's index columns: every segment's
 * frames as ffprobe reads them from the stored MP4, mapped to the camera's wallclock through the
 * segment's RTCP anchor (one sender-report mapping, PTS → wallclock, as RFC 3550 section 6.4.1
 * defines it); the expected frame is the last one at or before T over all segments, and T inside the
 * gap, before the first frame or after the last must be a 404 with a message.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { silentLogger } from '../../../src/core/logger.js';
import { CameraFrameSessions, CameraPlayback, RecordingManager } from '../../../src/app/index.js';
import { cameraRecordingsRoutes } from '../../../src/api/camera-recordings.routes.js';
import { frameSessionsRoutes } from '../../../src/api/frame-sessions.routes.js';
import { registerErrorHandler } from '../../../src/api/errors.js';
import { ErrorBody } from '../../../src/api/videos.schema.js';
import { CameraRecordingsRepository, openDatabase, type Database } from '../../../src/db/index.js';
import { FsObjectStore } from '../../../src/storage/index.js';
import { LiveCamera, RtspCameraSource } from '../../../src/streams/index.js';
import { createTestDatabase, type TestDatabase } from '../api/support/database.js';
import { longVideo, probePts90k } from '../recorder/helpers.js';
import { startRtspSource, type RtspSource } from '../recorder/rtsp-source.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kadr-cam-rec-'));
const objects = path.join(tmp, 'objects');
let tdb: TestDatabase;
let db: Database;
let repo: CameraRecordingsRepository;
let source: RtspSource;
let cameraId: string;
let api: FastifyInstance;
let manager: RecordingManager;
let frameSessions: CameraFrameSessions;
const store = new FsObjectStore(objects);

/** One stored frame: its segment row, ffprobe's PTS and the wallclock from the segment's anchor. */
interface TruthFrame {
  segmentId: string;
  key: string;
  index: number;
  pts: bigint;
  wall: number;
}
let truth: TruthFrame[] = [];
let stored = 0;
let sweptWhileRecording = -1;
const segmentEnds = new Map<string, number>();

before(async () => {
  tdb = await createTestDatabase();
  db = await openDatabase({ databaseUrl: tdb.url, dataDir: '/nonexistent', log: silentLogger });
  repo = new CameraRecordingsRepository(db.pool);
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO cameras (name, url) VALUES ('cam1', 'rtsp://127.0.0.1/cam1') RETURNING id`,
  );
  cameraId = rows[0]!.id;
  source = await startRtspSource({ v: longVideo(8) });
  // As buildServer (src/api/server.ts) sets up every route plugin.
  api = Fastify({
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true } },
  }).withTypeProvider();
  registerErrorHandler(api, silentLogger);
  api.addSchema(ErrorBody);
  await api.register(swagger, { openapi: { openapi: '3.0.3', info: { title: 'kadr', version: '0' } } });
  const playback = new CameraPlayback(repo, store);
  await api.register(cameraRecordingsRoutes, { prefix: '/api', playback });
  frameSessions = new CameraFrameSessions({ repo, store, playback, maxSessions: 2 });
  await api.register(frameSessionsRoutes, { prefix: '/api', sessions: frameSessions });
  await api.ready();

  const camera = new LiveCamera(
    new RtspCameraSource(source.url('v'), { transport: 'tcp', path: 'auto', readTimeoutMs: 5000 }),
    { reconnectMinMs: 200, reconnectMaxMs: 1000 },
  );
  manager = new RecordingManager({
    repo,
    store,
    feeds: { subscribe: () => camera.hub.subscribe(), stream: () => camera.stream() },
    spoolDir: path.join(tmp, 'spool'),
    segmentDurationMs: 2000,
    fsync: false,
    onSegment: () => stored++,
  });
  await manager.start(cameraId);
  assert.ok(manager.isRecording(cameraId));
  while (camera.hub.subscribers === 0) await sleep(10);
  const live = camera.run(new AbortController().signal);
  const t0 = Date.now();
  // Retention while recording: once the first segment is stored, a sweep that keeps no bytes at all
  // deletes it, and only it: the segment being recorded has no row yet.
  while (stored === 0) await sleep(20);
  await db.pool.query('UPDATE cameras SET retention_max_bytes = 1 WHERE id = $1', [cameraId]);
  sweptWhileRecording = await manager.sweep();
  await db.pool.query('UPDATE cameras SET retention_max_bytes = NULL WHERE id = $1', [cameraId]);
  await sleep(4000 - (Date.now() - t0));
  await source.kill();
  await sleep(1500);
  await source.restart();
  await live; // the file plays to its end on the second connection
  await manager.stop(cameraId);
  assert.ok(!manager.isRecording(cameraId));

  for (const row of await repo.segmentsBetween(cameraId, 0, 8.64e15)) {
    const index = JSON.parse(readFileSync(path.join(objects, row.indexKey), 'utf8')) as {
      wallclock: { ptsTicks: number; ntpMs: number } | null;
    };
    if (!index.wallclock || row.wallclockFrom !== 'rtcp') continue;
    const pts = await probePts90k(path.join(objects, row.objectKey));
    const { ptsTicks, ntpMs } = index.wallclock;
    pts.forEach((p, i) =>
      truth.push({
        segmentId: row.id,
        key: row.objectKey,
        index: i,
        pts: p,
        wall: ntpMs + (Number(p - BigInt(ptsTicks)) * 1000) / 90000,
      }),
    );
    segmentEnds.set(row.id, row.endsMs);
  }
  truth = truth.sort((a, b) => a.wall - b.wall);
});
after(async () => {
  await frameSessions?.closeAll();
  await manager?.close();
  await api?.close();
  await source?.stop();
  await db?.close();
  await tdb?.drop();
  rmSync(tmp, { recursive: true, force: true });
});

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const iso = (ms: number) => new Date(Math.floor(ms)).toISOString();

test('retention while recording deletes the stored segment, never the one being recorded', async () => {
  assert.equal(sweptWhileRecording, 1);
  const rows = await repo.segmentsBetween(cameraId, 0, 8.64e15);
  assert.equal(rows[0]!.startedReason, 'rollover', 'the recording went on: the next segment is there');
  assert.equal(rows.length, stored - 1);
});

test('a row per stored segment, the gap with its reason, listed by time', async (t) => {
  const files = execFileSync('find', [objects, '-name', '*.mp4'], { encoding: 'utf8' }).trim().split('\n');
  const rows = await repo.segmentsBetween(cameraId, 0, 8.64e15);
  assert.equal(rows.length, files.length, 'every stored segment has its row');
  assert.ok(rows.length >= 5, `${rows.length} segments`);
  for (const r of rows) {
    assert.ok(r.objectKey.startsWith(`cameras/${cameraId}/`), r.objectKey);
    assert.equal(r.indexKey, r.objectKey.replace(/\.mp4$/, '.index.json'));
    assert.ok(r.bytes > 0 && r.frames > 0);
    assert.ok(r.endsMs > r.lastFrameMs && r.lastFrameMs > r.firstFrameMs);
  }
  const res = await api.inject({
    url: `/api/cameras/${cameraId}/recordings?from=${iso(rows[0]!.firstFrameMs - 60_000)}&to=${iso(Date.now() + 60_000)}`,
  });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json<{
    segments: { id: string; start: string; end: string; frames: number; key: string }[];
    gaps: { from: string; to: string; reason: string }[];
  }>();
  assert.deepEqual(
    body.segments.map((s) => s.id),
    rows.map((r) => r.id),
  );
  for (const s of body.segments) assert.ok(ISO_MS.test(s.start) && ISO_MS.test(s.end), s.start);
  assert.equal(body.gaps.length, 1, JSON.stringify(body.gaps));
  const gap = body.gaps[0]!;
  assert.ok(ISO_MS.test(gap.from) && ISO_MS.test(gap.to));
  const gapMs = Date.parse(gap.to) - Date.parse(gap.from);
  assert.ok(gapMs >= 1000 && gapMs < 8000, `gap of ${gapMs} ms around a 1.5 s outage`);
  assert.match(gap.reason, /\S/);
  t.diagnostic(`${rows.length} segments; gap ${gapMs} ms for a 1.5 s outage: ${gap.reason}`);
  // A window inside one segment lists just that one.
  const mid = rows.reduce((a, b) => (b.frames > a.frames ? b : a));
  const one = await api.inject({
    url: `/api/cameras/${cameraId}/recordings?from=${iso(mid.firstFrameMs + 100)}&to=${iso(mid.firstFrameMs + 200)}`,
  });
  assert.deepEqual(
    one.json<{ segments: { id: string }[] }>().segments.map((s) => s.id),
    [mid.id],
  );
});

test('both routes are in the OpenAPI document', () => {
  const doc = api.swagger() as { paths: Record<string, unknown> };
  assert.ok(doc.paths['/api/cameras/{id}/recordings'], Object.keys(doc.paths).join(', '));
  assert.ok(doc.paths['/api/cameras/{id}/frame']);
});

/** The last frame at or before t over all segments, unless t is past the end of that frame's segment. */
function expectedAt(t: number): TruthFrame | null {
  let best: TruthFrame | null = null;
  for (const f of truth) if (f.wall <= t) best = f;
  if (!best || t >= segmentEnds.get(best.segmentId)! + 1) return null;
  return best;
}

test('the frame at a wallclock: many times across segments and the reconnect, checked against ffprobe', async (t) => {
  assert.ok(truth.length > 150, `${truth.length} frames with a camera wallclock`);
  const times: number[] = [];
  for (let i = 0; i < truth.length; i += 7) {
    const f = truth[i]!;
    times.push(f.wall, f.wall + 15, f.wall - 0.5);
  }
  let checked = 0;
  for (const t of times) {
    const want = expectedAt(t);
    if (!want) continue;
    const res = await api.inject({ url: `/api/cameras/${cameraId}/frame?at=${iso(t)}&format=json` });
    // iso() drops sub-ms digits: the frame for the floored time is what was asked.
    const asked = Math.floor(t);
    const w = expectedAt(asked);
    if (!w) continue;
    assert.equal(res.statusCode, 200, `${iso(t)}: ${res.body}`);
    const got = res.json<{
      at: string;
      frameTime: string;
      ptsTicks: string;
      timeBase: string;
      segmentId: string;
      index: number;
    }>();
    assert.equal(got.at, iso(t));
    assert.equal(got.segmentId, w.segmentId, `${iso(t)}: segment`);
    assert.equal(got.index, w.index, `${iso(t)}: frame index`);
    assert.equal(BigInt(got.ptsTicks), w.pts, `${iso(t)}: PTS as ffprobe reads it`);
    assert.equal(got.timeBase, '1/90000');
    assert.equal(got.frameTime, iso(w.wall));
    assert.ok(Date.parse(got.frameTime) <= asked && asked - Date.parse(got.frameTime) < 41, 'within a frame');
    checked++;
  }
  assert.ok(checked > 60, `${checked} times checked`);
  t.diagnostic(`${checked} times checked over ${new Set(truth.map((f) => f.segmentId)).size} segments`);
});

test('404 with a message in the gap, before the first and after the last frame; 400 for bad input', async () => {
  const list = (
    await api.inject({
      url: `/api/cameras/${cameraId}/recordings?from=${iso(truth[0]!.wall - 3_600_000)}&to=${iso(Date.now() + 60_000)}`,
    })
  ).json<{ gaps: { from: string; to: string }[] }>();
  const gap = list.gaps[0]!;
  const inGap = (Date.parse(gap.from) + Date.parse(gap.to)) / 2;
  for (const t of [inGap, truth[0]!.wall - 10_000, truth.at(-1)!.wall + 10_000]) {
    const res = await api.inject({ url: `/api/cameras/${cameraId}/frame?at=${iso(t)}&format=json` });
    assert.equal(res.statusCode, 404, `${iso(t)}: ${res.body}`);
    assert.match(res.json<{ error: { message: string } }>().error.message, /nothing was recorded at/);
  }
  const bad = [
    `/api/cameras/${cameraId}/frame?at=yesterday`,
    `/api/cameras/${cameraId}/frame?at=2026-13-45T99:00:00Z`,
    `/api/cameras/${cameraId}/frame`,
    `/api/cameras/not-a-uuid/frame?at=${iso(inGap)}`,
    `/api/cameras/${cameraId}/recordings?from=${iso(inGap)}&to=${iso(inGap - 1000)}`,
    `/api/cameras/${cameraId}/recordings?from=${iso(inGap)}`,
    `/api/cameras/${cameraId}/frame?at=${iso(inGap)}&format=png`,
  ];
  for (const url of bad) {
    const res = await api.inject({ url });
    assert.equal(res.statusCode, 400, `${url}: ${res.statusCode} ${res.body}`);
  }
  const unknown = await api.inject({
    url: `/api/cameras/00000000-0000-4000-8000-000000000000/frame?at=${iso(inGap)}`,
  });
  assert.equal(unknown.statusCode, 404);
});

test('the JPEG is the decode of that exact frame', async (t) => {
  const framesIn = (id: string) => truth.filter((x) => x.segmentId === id).length;
  // A frame with neighbours 5 away on both sides in its segment.
  const f = truth
    .slice(Math.floor(truth.length / 3))
    .find((x) => x.index >= 5 && x.index + 5 < framesIn(x.segmentId))!;
  const res = await api.inject({ url: `/api/cameras/${cameraId}/frame?at=${iso(f.wall + 1)}` });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['content-type'], 'image/jpeg');
  const jpeg = path.join(tmp, 'frame.jpg');
  execFileSync('sh', ['-c', `cat > '${jpeg}'`], { input: res.rawPayload });
  const gray = (args: string[]) =>
    execFileSync('ffmpeg', ['-v', 'error', ...args, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], {
      maxBuffer: 1 << 24,
    });
  const got = gray(['-i', jpeg]);
  const frameOf = (n: number) =>
    gray([
      '-i',
      path.join(objects, f.key),
      '-vf',
      `select=eq(n\\,${n})`,
      '-frames:v',
      '1',
      '-fps_mode',
      'passthrough',
    ]);
  const diff = (a: Buffer, b: Buffer) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
    return s / a.length;
  };
  const same = diff(got, frameOf(f.index));
  const other = diff(got, frameOf(f.index + 5));
  assert.equal(got.length, 320 * 180);
  t.diagnostic(`JPEG vs its frame ${same.toFixed(2)}, vs 5 frames away ${other.toFixed(2)}`);
  assert.ok(same < 3, `JPEG vs its frame: mean difference ${same.toFixed(2)}`);
  assert.ok(other > same * 2, `JPEG vs a frame 5 away: ${other.toFixed(2)} (vs ${same.toFixed(2)})`);
});

/** Every picture of a video (or of an image sequence, `-i step-%d.jpg`) as 8-bit gray, through ffmpeg. */
function grayPictures(input: string, size: number): Buffer[] {
  const out = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-i', input, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
    { maxBuffer: 1 << 28 },
  );
  return Array.from({ length: out.length / size }, (_, i) => out.subarray(i * size, (i + 1) * size));
}

test('a frame session steps forward and back across a segment boundary: every frame as ffprobe reads it, a step back without a decode', async (t) => {
  // Two segments in a row (a rollover, both with the camera's clock): the frames in stepping order.
  const rows = await repo.segmentsBetween(cameraId, 0, 8.64e15);
  const inSegment = (id: string) => truth.filter((f) => f.segmentId === id).sort((a, b) => a.index - b.index);
  const k = rows.findIndex(
    (r, i) =>
      i > 0 &&
      r.startedReason === 'rollover' &&
      inSegment(r.id).length >= 12 &&
      inSegment(rows[i - 1]!.id).length >= 12,
  );
  assert.ok(k > 0, 'two recorded segments in a row');
  const seq = [...inSegment(rows[k - 1]!.id), ...inSegment(rows[k]!.id)];
  const boundary = inSegment(rows[k - 1]!.id).length;
  const start = boundary - 5;

  const opened = await api.inject({ method: 'POST', url: `/api/cameras/${cameraId}/frame-sessions` });
  assert.equal(opened.statusCode, 201, opened.body);
  const session = opened.json<{ id: string }>().id;
  assert.equal(opened.headers.location, `/api/cameras/${cameraId}/frame-sessions/${session}`);
  const url = `/api/cameras/${cameraId}/frame-sessions/${session}/frame`;
  const answers: { pos: number; decoded: number }[] = [];
  const check = async (query: string, pos: number) => {
    const res = await api.inject({ url: `${url}?${query}` });
    assert.equal(res.statusCode, 200, `${query}: ${res.body}`);
    assert.equal(res.headers['content-type'], 'image/jpeg');
    const want = seq[pos]!;
    const h = (name: string) => String(res.headers[`x-kadr-${name}`]);
    assert.equal(h('segment'), want.segmentId, `${query}: segment`);
    assert.equal(Number(h('frame-index')), want.index, `${query}: index`);
    assert.equal(BigInt(h('pts')), want.pts, `${query}: PTS as ffprobe reads it`);
    assert.equal(h('time-base'), '1/90000');
    assert.equal(h('frame-time'), iso(want.wall));
    assert.ok(Math.abs(Number(h('wallclock-ms')) - want.wall) < 0.01, `${query}: wallclock`);
    writeFileSync(path.join(tmp, `step-${answers.length}.jpg`), res.rawPayload);
    answers.push({ pos, decoded: Number(h('decoded')) });
    return { segment: h('segment'), index: Number(h('frame-index')) };
  };
  let at = await check(`at=${iso(seq[start]!.wall + 1)}`, start);
  for (let pos = start + 1; pos <= start + 10; pos++) {
    at = await check(`segment=${at.segment}&index=${at.index}&step=1`, pos);
  }
  for (let pos = start + 9; pos >= start; pos--) {
    at = await check(`segment=${at.segment}&index=${at.index}&step=-1`, pos);
  }
  // Ten frames at once, and JSON without the picture.
  const far = await api.inject({ url: `${url}?segment=${at.segment}&index=${at.index}&step=10&format=json` });
  assert.equal(far.json<{ index: number }>().index, seq[start + 10]!.index, far.body);

  // Each picture is the decode of its frame: closer to it than to the frame two away.
  const size = 320 * 180;
  const got = grayPictures(path.join(tmp, 'step-%d.jpg'), size);
  assert.equal(got.length, answers.length);
  const decodedBy = new Map<string, Buffer[]>();
  for (const [i, { pos }] of answers.entries()) {
    const f = seq[pos]!;
    if (!decodedBy.has(f.key)) decodedBy.set(f.key, grayPictures(path.join(objects, f.key), size));
    const frames = decodedBy.get(f.key)!;
    const diff = (b: Buffer) => got[i]!.reduce((s, v, j) => s + Math.abs(v - b[j]!), 0) / size;
    const same = diff(frames[f.index]!);
    const other = diff(frames[f.index >= 2 ? f.index - 2 : f.index + 2]!);
    assert.ok(
      same < 3 && other > same * 2,
      `answer ${i} (frame ${f.index}): ${same.toFixed(2)} vs ${other.toFixed(2)}`,
    );
  }
  // Stepping back inside a segment decodes nothing: the pictures decoded on the way are kept.
  // Crossing back into the segment before decodes from its keyframe once.
  const back = answers.slice(11);
  const crossing = back.findIndex((a) => a.pos === boundary - 1);
  for (const [i, a] of back.entries()) {
    if (i === crossing) assert.ok(a.decoded >= 1, 'the segment before is decoded from its keyframe');
    else assert.equal(a.decoded, 0, `step back to ${a.pos}: ${a.decoded} pictures decoded`);
  }
  const forward = answers.slice(1, 11).filter((a) => a.pos !== boundary);
  for (const a of forward) assert.ok(a.decoded <= 3, `step forward to ${a.pos}: ${a.decoded} decoded`);
  t.diagnostic(`decoded per answer: ${answers.map((a) => a.decoded).join(' ')}`);

  // Past the end of the recording: 404; a closed session: 404; bad input: 400.
  const last = rows.at(-1)!;
  const lastFrames = (await api.inject({ url: `${url}?segment=${last.id}&index=0&format=json` })).statusCode;
  assert.equal(lastFrames, 200);
  const past = await api.inject({
    url: `${url}?segment=${last.id}&index=${last.frames - 1}&step=1&format=json`,
  });
  assert.equal(past.statusCode, 404, past.body);
  for (const q of [
    '',
    'segment=not-a-uuid&index=0',
    `segment=${last.id}`,
    `segment=${last.id}&index=0&step=999`,
    `at=${iso(seq[0]!.wall)}&segment=${last.id}&index=0`,
    `segment=${last.id}&index=100000`,
  ]) {
    const res = await api.inject({ url: `${url}?${q}` });
    assert.equal(res.statusCode, 400, `${q}: ${res.body}`);
  }
  const closed = await api.inject({
    method: 'DELETE',
    url: `/api/cameras/${cameraId}/frame-sessions/${session}`,
  });
  assert.equal(closed.statusCode, 204);
  const gone = await api.inject({ url: `${url}?segment=${last.id}&index=0` });
  assert.equal(gone.statusCode, 404);
  assert.match(gone.json<{ error: { hint: string } }>().error.hint, /POST/);
});

test('frame sessions are capped per process, and closed when idle', async () => {
  await frameSessions.sweep(Infinity);
  const open = () => api.inject({ method: 'POST', url: `/api/cameras/${cameraId}/frame-sessions` });
  const a = await open();
  const b = await open();
  assert.deepEqual([a.statusCode, b.statusCode], [201, 201]);
  const c = await open();
  assert.equal(c.statusCode, 409, c.body);
  assert.equal(frameSessions.size, 2);
  await frameSessions.sweep(Date.now() + 60_000);
  assert.equal(frameSessions.size, 0);
  assert.equal((await open()).statusCode, 201);
  const unknown = await api.inject({
    method: 'POST',
    url: '/api/cameras/00000000-0000-4000-8000-000000000000/frame-sessions',
  });
  assert.equal(unknown.statusCode, 404);
  await frameSessions.closeAll();
});

test('retention by bytes deletes the oldest segments from the store and the database', async () => {
  const rows = await repo.segmentsBetween(cameraId, 0, 8.64e15);
  const keep = rows.slice(-3);
  const keepBytes = keep.reduce((n, r) => n + r.bytes, 0);
  await db.pool.query('UPDATE cameras SET retention_max_bytes = $2 WHERE id = $1', [cameraId, keepBytes]);
  // A sweep that crashed after marking one row: the row is hidden, its objects still there.
  const crashed = rows[0]!;
  await db.pool.query('UPDATE camera_segments SET deleting_at = now() WHERE id = $1', [crashed.id]);
  const listed = await repo.segmentsBetween(cameraId, 0, 8.64e15);
  assert.ok(!listed.some((r) => r.id === crashed.id), 'a marked row is no longer handed out');
  const deleted = await manager.sweep();
  assert.equal(deleted, rows.length - 3);
  const left = await repo.segmentsBetween(cameraId, 0, 8.64e15);
  assert.deepEqual(
    left.map((r) => r.id),
    keep.map((r) => r.id),
  );
  const files = execFileSync('find', [objects, '-type', 'f'], { encoding: 'utf8' }).trim().split('\n');
  const names = new Set(files.map((f) => path.relative(objects, f)));
  for (const r of rows) {
    const kept = keep.includes(r);
    assert.equal(names.has(r.objectKey), kept, `${r.objectKey} ${kept ? 'kept' : 'deleted'}`);
    assert.equal(names.has(r.indexKey), kept);
  }
  const { rows: marked } = await db.pool.query('SELECT 1 FROM camera_segments WHERE deleting_at IS NOT NULL');
  assert.equal(marked.length, 0);
  // Retention by age: everything ended more than 1 s ago.
  await db.pool.query(
    'UPDATE cameras SET retention_max_bytes = NULL, retention_max_age_s = 1 WHERE id = $1',
    [cameraId],
  );
  assert.equal(await manager.sweep(Date.now() + 10_000), 3);
  assert.equal((await repo.segmentsBetween(cameraId, 0, 8.64e15)).length, 0);
  const gaps = await repo.gapsBetween(cameraId, 0, 8.64e15);
  assert.equal(gaps.length, 0, 'gaps before the oldest remaining segment go too');
});
