/**
 * A camera end to end, as a user runs it: `kadr serve` with a real PostgreSQL, a live camera
 * (gst-rtsp-server with a live encoder, RTCP sender reports from its clock) added through the API.
 * One upstream connection however many watch; the restream at the camera's `rtspUrl` read by
 * ffprobe with the camera's frame spacing; recording switched on through the API fills the
 * recordings list with segments; the frame at a wallclock inside them is answered from the index.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the answers are read field by field, as JSON */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ffprobeLive, startLiveSource, until, type LiveSource } from '../streams/live-peers.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { callApi } from './support/api-call.js';
import { kadrEnv, startKadr, type KadrProcess } from './support/kadr-process.js';

const token = randomBytes(24).toString('hex');
let tdb: TestDatabase;
let dataDir: string;
let source: LiveSource;
let kadr: KadrProcess;

const api = (method: string, url: string, body?: unknown) => callApi(kadr.url, token, method, url, body);

before(async () => {
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-cameras-live-'));
  source = await startLiveSource({ cam: 'h264' });
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

test('a camera added through the API goes live, is restreamed once to many, and records by wallclock', async () => {
  const created = await api('POST', '/api/cameras', { name: 'gate', url: source.url('cam') });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id as string;
  const rtspUrl = created.json.rtspUrl as string;
  assert.match(rtspUrl, /^rtsp:\/\/127\.0\.0\.1:\d+\/gate$/);
  assert.doesNotMatch(rtspUrl, /:0\//, 'the restream address is where the server really listens');

  let cam: Record<string, any> = {};
  for (let i = 0; i < 60 && cam.state !== 'live'; i++) {
    cam = (await api('GET', `/api/cameras/${id}`)).json;
    if (cam.state !== 'live') await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(cam.state, 'live', JSON.stringify(cam));

  // Two viewers at once; the camera still has one connection (gst-live-server counts them).
  const [a, b] = await Promise.all([ffprobeLive(rtspUrl, 'tcp', 30), ffprobeLive(rtspUrl, 'udp', 30)]);
  for (const got of [a, b]) {
    assert.ok(got.pts.length >= 25, `frames through the restream: ${got.pts.length}`);
    assert.equal(got.key[0], true, 'a viewer starts at a keyframe');
    // FFmpeg's RTSP demuxer hands its first unit over without a pts (docs/media-pitfalls.md).
    const pts = got.pts.filter((p) => Number.isFinite(p));
    assert.ok(pts.length >= got.pts.length - 1);
    const steps = pts.slice(1).map((p, i) => p - pts[i]!);
    // The live encoder runs at 25 fps on a 90 kHz clock: 3600 ticks between frames, kept as the camera's.
    assert.ok(
      steps.every((s) => s === 3600),
      `frame steps ${[...new Set(steps)].join(',')}`,
    );
  }
  assert.equal(source.connected, 1, 'one upstream connection for every viewer');
  cam = (await api('GET', `/api/cameras/${id}`)).json;
  assert.ok(cam.health.fps > 24 && cam.health.fps < 26, `fps from PTS: ${cam.health.fps}`);
  const metrics = await fetch(`${kadr.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  assert.match(await metrics.text(), new RegExp(`kadr_camera_up\\{id="${id}",name="gate"\\} 1`));

  const started = await api('POST', `/api/cameras/${id}/recording/start`);
  assert.equal(started.status, 200, started.text);
  assert.equal(started.json.recording, true);
  const from = new Date(Date.now() - 60_000).toISOString();
  let list: Record<string, any> = { segments: [] };
  for (let i = 0; i < 40 && list.segments.length < 2; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const to = new Date(Date.now() + 60_000).toISOString();
    list = (await api('GET', `/api/cameras/${id}/recordings?from=${from}&to=${to}`)).json;
  }
  assert.ok(list.segments.length >= 2, JSON.stringify(list));
  const seg = list.segments[0];
  const at = new Date((Date.parse(seg.start) + Date.parse(seg.end)) / 2).toISOString();
  const frame = await api('GET', `/api/cameras/${id}/frame?at=${at}&format=json`);
  assert.equal(frame.status, 200, frame.text);
  assert.equal(frame.json.segmentId, seg.id);
  const lag = Date.parse(at) - Date.parse(frame.json.frameTime);
  assert.ok(lag >= 0 && lag <= 40, `the frame at ${at} is the last at or before it (${lag} ms before)`);
  const jpeg = await fetch(`${kadr.url}/api/cameras/${id}/frame?at=${at}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(jpeg.status, 200);
  assert.equal(jpeg.headers.get('content-type'), 'image/jpeg');

  const stopped = await api('POST', `/api/cameras/${id}/recording/stop`);
  assert.equal(stopped.json.recording, false);
  assert.equal((await api('DELETE', `/api/cameras/${id}`)).status, 204);
  await until(() => source.closed >= 1, 'the upstream connection closes when the camera is removed', 15_000);
});
