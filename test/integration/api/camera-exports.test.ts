/**
 * Clip export (compileRecord) against a real recording: `kadr serve` records a live gst-rtsp-server
 * camera (openh264, a keyframe every 25 frames) into 2-second segments; a clip that starts in the
 * middle of a GOP and crosses a segment boundary is exported and checked with FFmpeg's own tools:
 * the first frame shown (the edit list applied) is the frame the frame route answers for `from`, the
 * frames shown are exactly the recorded ones in [from, to), their pictures are the recording's, and
 * the packets are the recording's bytes (no re-encode). A second camera encodes with B-frames (x264):
 * its clip carries the frames decoded before the last wanted one but presented after it, and its edit
 * list keeps them from being shown.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the answers are read field by field, as JSON */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startLiveSource, type LiveSource } from '../streams/live-peers.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { callApi } from './support/api-call.js';
import { kadrEnv, startKadr, type KadrProcess } from './support/kadr-process.js';

const run = promisify(execFile);
const token = randomBytes(24).toString('hex');
let tdb: TestDatabase;
let dataDir: string;
let source: LiveSource;
let kadr: KadrProcess;

const api = (method: string, url: string, body?: unknown) => callApi(kadr.url, token, method, url, body);

/** The frames' own timestamps (FFmpeg 5.1 spelling), not renumbered at a guessed frame rate. */
const keepTimes = ['-enc_time_base:v', '-1', '-vsync', 'passthrough'];

/** Decoded frames as FFmpeg shows them (edit lists applied): pts in the stream's time base, md5. */
async function frameMd5(file: string, copyTs: boolean): Promise<{ pts: bigint; md5: string }[]> {
  const args = [
    '-v',
    'error',
    ...(copyTs ? ['-copyts'] : []),
    '-i',
    file,
    ...keepTimes,
    '-f',
    'framemd5',
    '-',
  ];
  const { stdout } = await run('ffmpeg', args, { maxBuffer: 64 << 20 });
  return stdout
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',').map((s) => s.trim()))
    .map((f) => ({ pts: BigInt(f[2]!), md5: f[5]! }));
}

/** Packets in file order: pts, keyframe flag, MD5 of the data. */
async function packets(file: string): Promise<{ pts: bigint; key: boolean; hash: string }[]> {
  const { stdout } = await run(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', '-show_packets', '-show_data_hash', 'MD5', '-of', 'json', file],
    { maxBuffer: 64 << 20 },
  );
  return (JSON.parse(stdout).packets as any[]).map((p) => ({
    pts: BigInt(p.pts),
    key: String(p.flags).startsWith('K'),
    hash: p.data_hash,
  }));
}

before(async () => {
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-camera-exports-'));
  source = await startLiveSource({ cam: 'h264', bcam: 'h264-bframes' });
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

test('a clip starting mid-GOP across a segment boundary is exported frame-exact without re-encoding', async () => {
  const created = await api('POST', '/api/cameras', { name: 'yard', url: source.url('cam'), record: true });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id as string;
  const since = new Date(Date.now() - 60_000).toISOString();
  let list: Record<string, any> = { segments: [] };
  for (let i = 0; i < 90 && list.segments.length < 3; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const until = new Date(Date.now() + 60_000).toISOString();
    list = (await api('GET', `/api/cameras/${id}/recordings?from=${since}&to=${until}`)).json;
  }
  assert.ok(list.segments.length >= 3, JSON.stringify(list));
  const [, s1, s2] = list.segments as any[];
  // 520 ms into s1: the 14th frame of its first GOP (a keyframe every 25 frames at 25 fps).
  const from = new Date(Date.parse(s1.start) + 520).toISOString();
  const to = new Date(Date.parse(s2.start) + 700).toISOString();
  const first = (await api('GET', `/api/cameras/${id}/frame?at=${from}&format=json`)).json;
  const lastAt = new Date(Date.parse(to) - 1).toISOString();
  const last = (await api('GET', `/api/cameras/${id}/frame?at=${lastAt}&format=json`)).json;
  assert.equal(first.segmentId, s1.id);
  assert.equal(last.segmentId, s2.id);

  const posted = await api('POST', `/api/cameras/${id}/exports`, { from, to });
  assert.equal(posted.status, 202, posted.text);
  assert.ok(['queued', 'running', 'done'].includes(posted.json.status), posted.text);
  let exp: Record<string, any> = posted.json;
  const progress: number[] = [];
  for (let i = 0; i < 120 && exp.status !== 'done' && exp.status !== 'failed'; i++) {
    await new Promise((r) => setTimeout(r, 250));
    exp = (await api('GET', `/api/exports/${posted.json.id}`)).json;
    progress.push(exp.progress);
  }
  assert.equal(exp.status, 'done', JSON.stringify(exp));
  assert.equal(exp.progress, 100);
  assert.ok(
    progress.every((p, i) => i === 0 || p >= progress[i - 1]!),
    `progress ${progress.join(',')}`,
  );
  assert.equal(exp.firstFrameTime, first.frameTime, 'the first frame is the one the frame route answers');
  assert.match(exp.key, /\.mp4$/);

  const objects = path.join(dataDir, 'objects');
  const clip = path.join(objects, ...exp.key.split('/'));
  const segFiles = [s1, s2].map((s) => path.join(objects, ...s.key.split('/')));
  const firstPts = BigInt(first.ptsTicks);
  const lastPts = BigInt(last.ptsTicks);

  // The recorded frames in [from, to), decoded from the segments on their own timeline.
  const recorded = (await Promise.all(segFiles.map((f) => frameMd5(f, true))))
    .flat()
    .filter((f) => f.pts >= firstPts && f.pts <= lastPts);
  // As many as the frame index says: the rest of s1 from `first`, and s2 up to `last`.
  assert.equal(recorded.length, s1.frames - first.index + last.index + 1);

  // (a) and (b): the frames FFmpeg shows from the clip, the edit list applied.
  const shown = await frameMd5(clip, false);
  assert.equal(shown.length, recorded.length, `frames shown ${shown.length}, recorded ${recorded.length}`);
  assert.equal(exp.frames, recorded.length);
  assert.equal(shown[0]!.pts, 0n, 'presentation starts at the frame at `from`');
  const probe = await run(
    'ffprobe',
    [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_frames',
      '-show_entries',
      'frame=pts,key_frame',
      '-of',
      'json',
      clip,
    ],
    { maxBuffer: 64 << 20 },
  );
  const frames = JSON.parse(probe.stdout).frames as any[];
  assert.equal(frames.length, recorded.length);
  assert.equal(frames[0].pts, 0);
  assert.equal(frames[0].key_frame, 0, 'the clip starts mid-GOP: its first frame shown is no keyframe');
  // (c) the pictures are the recording's, frame by frame.
  assert.deepEqual(
    shown.map((f) => f.md5),
    recorded.map((f) => f.md5),
  );
  // No re-encode: the clip's packets are the recording's bytes, from the keyframe before `from`.
  const clipPackets = await packets(clip);
  const segPackets = (await Promise.all(segFiles.map(packets))).flat();
  assert.ok(clipPackets[0]!.key, 'the clip starts with a keyframe');
  assert.ok(clipPackets.length > recorded.length, 'the GOP head before `from` is carried as references');
  const start = segPackets.findIndex((p) => p.hash === clipPackets[0]!.hash);
  assert.ok(start >= 0);
  assert.deepEqual(
    clipPackets.map((p) => p.hash),
    segPackets.slice(start, start + clipPackets.length).map((p) => p.hash),
  );
  const lead = clipPackets.findIndex((p) => p.pts === 0n);
  assert.equal(segPackets[start + lead]!.pts, firstPts, 'the frame at `from` keeps its place');
});

test('with B-frames, the frames shown are exactly those in [from, to), the last one a B-frame', async () => {
  const created = await api('POST', '/api/cameras', { name: 'gate', url: source.url('bcam'), record: true });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id as string;
  const since = new Date(Date.now() - 60_000).toISOString();
  let list: Record<string, any> = { segments: [] };
  for (let i = 0; i < 90 && list.segments.length < 2; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const until = new Date(Date.now() + 60_000).toISOString();
    list = (await api('GET', `/api/cameras/${id}/recordings?from=${since}&to=${until}`)).json;
  }
  assert.ok(list.segments.length >= 2, JSON.stringify(list));
  const s0 = (list.segments as any[])[0]!;
  const segFile = path.join(dataDir, 'objects', ...(s0.key as string).split('/'));
  const decodeOrder = (await packets(segFile)).map((p) => p.pts);
  const frameAt = async (ms: number) =>
    (
      await api(
        'GET',
        `/api/cameras/${id}/frame?at=${new Date(Date.parse(s0.start) + ms).toISOString()}&format=json`,
      )
    ).json;
  const first = await frameAt(300);
  // The last wanted frame: one before which a later frame is decoded (a B-frame), so that the clip
  // must carry that later frame without showing it.
  let last = await frameAt(1300);
  for (let ms = 1340; ; ms += 40) {
    const at = decodeOrder.indexOf(BigInt(last.ptsTicks));
    assert.ok(at >= 0);
    if (decodeOrder.slice(0, at).some((p) => p > BigInt(last.ptsTicks))) break;
    assert.ok(ms < 1500, 'the camera sends B-frames');
    last = await frameAt(ms);
  }
  const from = new Date(Date.parse(s0.start) + 300).toISOString();
  const to = new Date(Date.parse(last.frameTime) + 1).toISOString();

  const posted = await api('POST', `/api/cameras/${id}/exports`, { from, to });
  assert.equal(posted.status, 202, posted.text);
  let exp: Record<string, any> = posted.json;
  for (let i = 0; i < 120 && exp.status !== 'done' && exp.status !== 'failed'; i++) {
    await new Promise((r) => setTimeout(r, 250));
    exp = (await api('GET', `/api/exports/${posted.json.id}`)).json;
  }
  assert.equal(exp.status, 'done', JSON.stringify(exp));
  assert.equal(exp.firstFrameTime, first.frameTime);
  const clip = path.join(dataDir, 'objects', ...(exp.key as string).split('/'));
  const firstPts = BigInt(first.ptsTicks);
  const lastPts = BigInt(last.ptsTicks);
  const recorded = (await frameMd5(segFile, true)).filter((f) => f.pts >= firstPts && f.pts <= lastPts);
  assert.equal(recorded.length, last.index - first.index + 1);
  const shown = await frameMd5(clip, false);
  assert.deepEqual(
    shown.map((f) => f.pts),
    recorded.map((f) => f.pts - firstPts),
    'the first frame shown is the one at `from`, the last the one before `to`',
  );
  assert.equal(exp.frames, shown.length, 'the reported frames are the frames shown');
  assert.deepEqual(
    shown.map((f) => f.md5),
    recorded.map((f) => f.md5),
  );
  const carried = (await packets(clip)).map((p) => p.pts);
  assert.ok(
    carried.some((p) => p > lastPts - firstPts),
    'a frame after the last one is carried as a reference',
  );
});

test('an export of a time not recorded, or with bad times, is a 4xx with a readable message', async () => {
  const cams = (await api('GET', '/api/cameras')).json;
  const id = cams.items[0].id as string;
  const cases: [unknown, number, RegExp][] = [
    [{ from: '2026-01-01T00:00:00Z', to: '2025-12-31T00:00:00Z' }, 400, /after/],
    [{ from: 'yesterday', to: '2026-01-01T00:00:00Z' }, 400, /ISO 8601/],
    [{ from: '2001-01-01T00:00:00Z', to: '2001-01-01T00:00:10Z' }, 404, /recorded/],
    [{ from: '2026-01-01T00:00:00Z' }, 400, /to/],
  ];
  for (const [body, status, message] of cases) {
    const res = await api('POST', `/api/cameras/${id}/exports`, body);
    assert.equal(res.status, status, `${JSON.stringify(body)}: ${res.text}`);
    assert.match(res.text, message);
  }
  const unknownCamera = await api('POST', '/api/cameras/00000000-0000-4000-8000-000000000000/exports', {
    from: '2026-01-01T00:00:00Z',
    to: '2026-01-01T00:00:10Z',
  });
  assert.equal(unknownCamera.status, 404, unknownCamera.text);
  assert.equal((await api('GET', '/api/exports/00000000-0000-4000-8000-000000000000')).status, 404);
  assert.equal((await api('GET', '/api/exports/nope')).status, 404);
  const doc = (await api('GET', '/api/openapi.json')).json;
  for (const p of ['/api/cameras/{id}/exports', '/api/exports/{id}']) assert.ok(doc.paths[p], p);
  assert.ok(doc.paths['/api/cameras/{id}/exports'].post.responses['202']);
});

test('a span across a gap in the recording is refused with a 404 that says where', async () => {
  const id = (await api('GET', '/api/cameras')).json.items[0].id as string;
  assert.equal((await api('POST', `/api/cameras/${id}/recording/stop`)).status, 200);
  const stoppedAt = Date.now();
  // Longer than a GOP (1 s) plus the stop's own delay on a loaded machine: the recording started again
  // begins at the keyframe the hub keeps, which must still be after the last stored frame.
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal((await api('POST', `/api/cameras/${id}/recording/start`)).status, 200);
  const since = new Date(stoppedAt - 60_000).toISOString();
  let list: Record<string, any> = { segments: [] };
  let after: any[] = [];
  for (let i = 0; i < 60 && after.length < 1; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const until = new Date(Date.now() + 60_000).toISOString();
    list = (await api('GET', `/api/cameras/${id}/recordings?from=${since}&to=${until}`)).json;
    after = (list.segments as any[]).filter((s) => Date.parse(s.start) > stoppedAt);
  }
  assert.equal(after.length >= 1, true, JSON.stringify(list));
  const before = (list.segments as any[]).filter((s) => Date.parse(s.end) <= stoppedAt + 1000).at(-1);
  assert.ok(before, JSON.stringify(list));
  const from = new Date((Date.parse(before.start) + Date.parse(before.end)) / 2).toISOString();
  const to = new Date((Date.parse(after[0].start) + Date.parse(after[0].end)) / 2).toISOString();
  const res = await api('POST', `/api/cameras/${id}/exports`, { from, to });
  assert.equal(res.status, 404, res.text);
  assert.match(res.json.error.message, /crosses a gap/);
  // Each side on its own exports.
  const left = await api('POST', `/api/cameras/${id}/exports`, { from, to: before.end });
  assert.equal(left.status, 202, left.text);
});
