/**
 * WebRTC live view over WHEP (RFC 9725) end to end: `kadr serve` with a live camera (gst-rtsp-server
 * encoding as it runs), added through the API; viewers nobody here wrote receive it: Debian's aiortc
 * decodes the pictures, Debian's Chromium plays them in a page (whep-page.html); an H.265 camera goes
 * out as H.265 to werift (whep-werift.ts), decoded by FFmpeg, and to GStreamer's webrtcbin
 * (whep-gst.py), which decodes it itself. Faults: the camera drops while three
 * watch, a viewer vanishes without a goodbye, fifty join and leave.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the answers are read field by field, as JSON */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gstViewer, startLiveSource, type LiveSource } from '../streams/live-peers.js';
import { createTestDatabase, type TestDatabase } from '../api/support/database.js';
import { callApi } from '../api/support/api-call.js';
import { kadrEnv, startKadr, type KadrProcess } from '../api/support/kadr-process.js';
import { aiortcJoinLeave, aiortcViewer, freeUdpPort, gstWhepViewer } from './whep-peers.js';
import { depacketizeH265, FrameCounter, weriftViewer, type CompleteFrame } from './whep-werift.js';

const token = randomBytes(24).toString('hex');
let tdb: TestDatabase;
let dataDir: string;
let source: LiveSource;
let kadr: KadrProcess;
let cameraId: string;

const api = (method: string, url: string, body?: unknown) => callApi(kadr.url, token, method, url, body);
const whep = (name: string, query = '') => `${kadr.url}/api/live/${encodeURIComponent(name)}/whep${query}`;

async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
}

before(async () => {
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-whep-'));
  source = await startLiveSource({ cam: 'h264', cam265: 'h265' });
  kadr = await startKadr(
    ['serve', '--port', '0', '--data', dataDir, '--concurrency', '0', '--rtsp-port', '0'],
    kadrEnv({
      DATABASE_URL: tdb.url,
      KADR_API_TOKEN: token,
      KADR_WEBRTC_PORT: String(await freeUdpPort()),
    }),
  );
  const created = await api('POST', '/api/cameras', { name: 'gate', url: source.url('cam') });
  assert.equal(created.status, 201, created.text);
  cameraId = created.json.id as string;
  const hevc = await api('POST', '/api/cameras', { name: 'yard', url: source.url('cam265') });
  assert.equal(hevc.status, 201, hevc.text);
  let state = '';
  for (let i = 0; i < 60 && state !== 'live'; i++) {
    state = (await api('GET', `/api/cameras/${cameraId}`)).json.state;
    if (state !== 'live') await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(state, 'live');
});
after(async () => {
  await kadr?.stop();
  await source?.kill();
  await tdb?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

test('WHEP answers what RFC 9725 says, and never a 5xx for what a client sent', async () => {
  const post = (url: string, body: string, type = 'application/sdp', auth = true) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': type, ...(auth ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });
  assert.equal((await post(whep('gate'), 'v=0\r\n', 'application/sdp', false)).status, 401);
  assert.equal((await post(whep('gate'), '{}', 'application/json')).status, 415);
  assert.equal((await post(whep('gate'), 'hello')).status, 400);
  assert.equal((await post(whep('gate'), 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n')).status, 400);
  assert.equal((await post(whep('nobody'), 'v=0\r\n')).status, 404);
  assert.equal((await post(whep('gate', '?quality=8k'), await offerSdp())).status, 404);
  const options = await fetch(whep('gate'), {
    method: 'OPTIONS',
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(options.status, 204);
  assert.match(options.headers.get('accept-post') ?? '', /application\/sdp/);
  const patch = await fetch(`${whep('gate')}/abc`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/trickle-ice-sdpfrag' },
    body: 'a=ice-ufrag:x\r\n',
  });
  assert.equal(patch.status, 405, 'no trickle ICE: the answer carries every candidate');
  const gone = await fetch(`${whep('gate')}/abc`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(gone.status, 404);
  // An H.265 camera to a viewer that offers no H.265: 406, with the way out.
  const h265 = await post(whep('yard'), await offerSdp());
  assert.equal(h265.status, 406, await h265.clone().text());
  assert.match(await h265.text(), /H\.264 quality/);
});

/** An offer as a browser writes it (trimmed to one H.264 format); never applied, only checked. */
async function offerSdp(): Promise<string> {
  return [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'm=video 9 UDP/TLS/RTP/SAVPF 96',
    'c=IN IP4 0.0.0.0',
    'a=mid:0',
    'a=recvonly',
    'a=rtcp-mux',
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuvwx',
    'a=fingerprint:sha-256 ' + Array.from({ length: 32 }, () => 'AB').join(':'),
    'a=setup:actpass',
    'a=rtpmap:96 H264/90000',
    'a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
    '',
  ].join('\r\n');
}

test('aiortc receives the camera over WHEP and decodes its pictures, which advance', async () => {
  const got = await aiortcViewer(whep('gate'), token, 4);
  assert.equal(got.status, 201, got.body);
  assert.match(got.location ?? '', /^\/api\/live\/gate\/whep\/[0-9a-f-]{36}$/);
  assert.ok(got.frames >= 50, `frames decoded in 4 s at 25 fps: ${got.frames}`);
  assert.equal(got.width, 320);
  assert.equal(got.height, 240);
  // The camera's 90 kHz timestamps, 3600 ticks a frame at 25 fps, passed through.
  const steps = got.pts.slice(1).map((p, i) => p - got.pts[i]!);
  assert.ok(
    steps.every((s) => s > 0),
    'frames advance',
  );
  const common = steps.filter((s) => s === 3600).length;
  assert.ok(common >= steps.length * 0.9, `frame steps ${[...new Set(steps)].join(',')}`);
  assert.equal(got.deleted, 200);
  const again = await fetch(`${kadr.url}${got.location!}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(again.status, 404, 'the session is gone after DELETE');
});

test('an H.265 camera goes out as H.265, with its own RTP timestamps, to a viewer that offers H.265', async () => {
  // Neither Debian's Chromium nor aiortc receives H.265 over WebRTC; werift takes any codec's RTP,
  // depacketized here (RFC 7798) and decoded by FFmpeg. The camera itself, watched by GStreamer's
  // rtspsrc at the same time (its media is shared), says which RTP timestamps it sent.
  const camera = gstViewer(source.url('cam265'), 'tcp', 'h265', 7);
  const frames: CompleteFrame[] = [];
  const counter = new FrameCounter((f) => frames.push(f), { firstPacketStartsFrame: true });
  const viewer = await weriftViewer(whep('yard'), { codec: 'h265', token, onRtp: (p) => counter.push(p) });
  assert.equal(viewer.status, 201, viewer.body);
  assert.match(viewer.body, /^a=rtpmap:\d+ H265\/90000/m);
  await new Promise((r) => setTimeout(r, 4000));
  assert.equal(await viewer.close(), 200);
  assert.ok(frames.length >= 50, `complete H.265 frames in 4 s at 25 fps: ${frames.length}`);
  assert.equal(counter.broken, 0, 'no frame with a missing packet on loopback');
  // The first picture is a keyframe (IRAP, NAL types 16-23) with its parameter sets before it.
  const first = depacketizeH265(frames[0]!.packets);
  const types = [...first.toString('hex').matchAll(/00000001(..)/g)].map(
    (m) => (parseInt(m[1]!, 16) >> 1) & 0x3f,
  );
  assert.deepEqual(types.slice(0, 3), [32, 33, 34], `NAL types of the first unit: ${types.join(',')}`);
  assert.ok(
    types.slice(3).some((t) => t >= 16 && t <= 23),
    `NAL types of the first unit: ${types.join(',')}`,
  );
  const file = path.join(dataDir, 'whep.h265');
  await writeFile(file, Buffer.concat(frames.map((f) => depacketizeH265(f.packets))));
  const probe = await promisify(execFile)('ffprobe', [
    ...['-v', 'error', '-f', 'hevc', '-show_entries', 'frame=width,height,key_frame', '-of', 'json', file],
  ]);
  const decoded = (JSON.parse(probe.stdout) as { frames: { width: number; height: number }[] }).frames;
  assert.equal(decoded.length, frames.length, 'every frame received is decoded');
  assert.deepEqual([decoded[0]!.width, decoded[0]!.height], [320, 240]);
  const steps = frames.slice(1).map((f, i) => f.rtpTime - frames[i]!.rtpTime);
  assert.ok(
    steps.filter((s) => s === 3600).length >= steps.length * 0.9,
    `steps ${[...new Set(steps)].join(',')}`,
  );
  assertCameraTimestamps(
    frames.map((f) => f.rtpTime % 2 ** 32),
    (await camera).timestamps,
  );
});

/** Asserts that the RTP timestamps a viewer got while the camera was watched are ones the camera sent. */
function assertCameraTimestamps(ours: number[], camera: number[]): void {
  assert.ok(camera.length >= 100, `the camera's own timestamps seen: ${camera.length}`);
  const within = ours.filter((t) => t >= camera[0]! && t <= camera.at(-1)!);
  assert.ok(within.length >= 50, `frames within the camera's window: ${within.length}`);
  const known = new Set(camera);
  assert.deepEqual(
    within.filter((t) => !known.has(t)),
    [],
    'every frame carries an RTP timestamp the camera sent',
  );
}

test("GStreamer's webrtcbin receives the H.265 camera's original quality over WHEP and decodes it", async () => {
  const camera = gstViewer(source.url('cam265'), 'tcp', 'h265', 7);
  const got = await gstWhepViewer(whep('yard'), token, 4, 'h265');
  assert.equal(got.status, 201, JSON.stringify(got));
  assert.ok(got.decoded >= 50, `H.265 frames decoded in 4 s at 25 fps: ${got.decoded}`);
  assert.deepEqual([got.width, got.height], [320, 240]);
  assert.ok(got.decoded >= got.timestamps.length - 2, `${got.decoded} decoded of ${got.timestamps.length}`);
  assertCameraTimestamps(got.timestamps, (await camera).timestamps);
  assert.equal(got.deleted, 200);
});

test("Debian's Chromium plays the camera over WHEP: H.264 decoded, frames advance", async () => {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'],
  });
  try {
    const page = await browser.newPage();
    // The page is served from kadr's own origin (intercepted), so that its fetch() needs no CORS.
    const html = await readFile(path.join(import.meta.dirname, 'whep-page.html'), 'utf8');
    await page.route(`${kadr.url}/whep-test-page`, (route) =>
      route.fulfill({ body: html, contentType: 'text/html' }),
    );
    await page.goto(`${kadr.url}/whep-test-page`);
    const answer = await page.evaluate(([u, t]) => (globalThis as any).play(u, t), [whep('gate'), token]);
    assert.equal(answer.status, 201, JSON.stringify(answer));
    await page.waitForFunction(() => (globalThis as any).frames_.length >= 50, undefined, {
      timeout: 15_000,
    });
    const frames: { now: number; presented: number; w: number; h: number; rtp: number }[] =
      await page.evaluate(() => (globalThis as any).frames_);
    const codec = await page.evaluate(() => (globalThis as any).codec());
    assert.equal(codec.mimeType, 'video/H264', JSON.stringify(codec));
    assert.ok(codec.framesDecoded >= 50, JSON.stringify(codec));
    assert.equal(frames.at(-1)!.w, 320);
    assert.equal(frames.at(-1)!.h, 240);
    const rtp = frames.map((f) => f.rtp);
    assert.ok(
      rtp.slice(1).every((t, i) => t > rtp[i]!),
      'presented frames advance in RTP time',
    );
    const del = await fetch(`${kadr.url}${answer.location}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(del.status, 200);
  } finally {
    await browser.close();
  }
});

test('faults: the camera drops while three watch and they recover; a vanished viewer is freed', async () => {
  const vanished = aiortcViewer(whep('gate'), token, 3, true);
  const watching = [0, 1, 2].map(() => aiortcViewer(whep('gate'), token, 16));
  await new Promise((r) => setTimeout(r, 6000));
  await source.kill();
  const droppedAt = Date.now();
  await new Promise((r) => setTimeout(r, 2000));
  await source.restart();
  const back = await Promise.all(watching);
  for (const got of back) {
    assert.equal(got.status, 201, got.body);
    const before = got.times.filter((t) => t < droppedAt).length;
    const afterwards = got.times.filter((t) => t > droppedAt + 2000).length;
    assert.ok(before >= 10, `frames before the drop: ${before}`);
    assert.ok(afterwards >= 25, `frames after the camera came back: ${afterwards}`);
    assert.equal(got.deleted, 200, 'the session lived through the drop');
  }
  const lost = await vanished;
  assert.equal(lost.status, 201);
  assert.ok(lost.frames > 0);
  // Its session ends within the liveness timeout (12 s without RTCP) after it went; one DELETE after
  // that (an earlier one would end it) finds nothing.
  const goneAt = lost.times.at(-1)!;
  await new Promise((r) => setTimeout(r, Math.max(0, goneAt + 14_000 - Date.now())));
  const del = await fetch(`${kadr.url}${lost.location!}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(del.status, 404, 'the vanished viewer is freed');
});

test('fifty viewers join and leave: sessions end and memory returns to where it was', async () => {
  const pid = kadr.proc.pid!;
  const warm = await aiortcJoinLeave(whep('gate'), token, 1, 10);
  assert.equal(warm.framed, 10);
  const rssBefore = await rssKiB(pid);
  const got = await aiortcJoinLeave(whep('gate'), token, 5, 10);
  assert.deepEqual([...new Set(got.post)], [201]);
  assert.deepEqual([...new Set(got.delete)], [200], 'each session lived until its DELETE');
  assert.equal(got.framed, 50, 'every viewer got a picture');
  const rssAfter = await rssKiB(pid);
  assert.ok(
    rssAfter - rssBefore < 30 * 1024,
    `resident memory ${rssBefore} -> ${rssAfter} KiB after 50 viewers`,
  );
});
