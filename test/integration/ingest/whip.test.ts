/**
 * WHIP (RFC 9725) ingest against a real `kadr serve` (real PostgreSQL, the folder object store), with
 * senders nobody here wrote: Debian's python3-aiortc sending frames it paces itself (whip-aiortc.py;
 * H.264 by libx264 through PyAV), and Debian's Chromium with its fake camera on the /webcam page.
 * The recording's frame times (ffprobe -show_frames on the stored object) are checked against the
 * sender's frame times frame for frame (a frame lost on loopback is counted, never guessed), and the
 * stored wallclock against the sender's RTCP clock. The session is the push camera of its name:
 * listed live, restreamed over RTSP (ffprobe reads it), and its recording is the camera's, found by the
 * sender's wallclock. A session cut by kill -9 is stored at the next start.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the answers are read field by field, as JSON */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../api/support/database.js';
import { kadrEnv, startKadr, type KadrProcess } from '../api/support/kadr-process.js';
import { freeUdpPort } from '../webrtc/whep-peers.js';

const token = randomBytes(24).toString('hex');
const SENDER = path.join(import.meta.dirname, 'whip-aiortc.py');
let tdb: TestDatabase;
let dataDir: string;
let kadr: KadrProcess;
let serveEnv: NodeJS.ProcessEnv;
const serveArgs = () => ['serve', '--port', '0', '--data', dataDir, '--concurrency', '0', '--rtsp-port', '0'];

const whip = (name: string) => `${kadr.url}/api/whip/${encodeURIComponent(name)}`;
const post = (url: string, body: string, type = 'application/sdp', auth = true) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': type, ...(auth ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });

before(async () => {
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-whip-'));
  serveEnv = kadrEnv({
    DATABASE_URL: tdb.url,
    KADR_API_TOKEN: token,
    KADR_WEBRTC_PORT: String(await freeUdpPort()),
  });
  kadr = await startKadr(serveArgs(), serveEnv);
});
after(async () => {
  await kadr?.stop();
  await tdb?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

interface Sent {
  status: number;
  location?: string;
  deleteStatus?: number;
  recording?: any;
  body?: string;
  /** [pts in 90 kHz ticks, wallclock ms that pts stands for on aiortc's clock, ms when it took the frame] */
  sent: [number, number, number][];
  rtpOrigin: number;
  /** The sender reports it sent: [NTP ms, RTP timestamp, ms when sent]. */
  reports: [number, number, number][];
}

function aiortcSender(name: string, seconds: number): Promise<Sent> {
  return new Promise((resolve, reject) => {
    execFile(
      '/usr/bin/python3',
      [SENDER, whip(name), token, String(seconds)],
      { timeout: (seconds + 40) * 1000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        if (!line.startsWith('{')) return reject(new Error(`aiortc: ${error?.message ?? ''}\n${stderr}`));
        resolve(JSON.parse(line) as Sent);
      },
    );
  });
}

/** Each frame's pts (in the stream's time base) and that time base, as ffprobe reads the recording. */
function probeFrames(file: string): { pts: number[]; timeBase: number; width: number; height: number } {
  const out = JSON.parse(
    execFileSync('ffprobe', [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_frames',
      '-show_entries',
      'frame=pts:stream=time_base,width,height',
      '-of',
      'json',
      file,
    ]).toString(),
  );
  const [num, den] = (out.streams[0].time_base as string).split('/').map(Number);
  return {
    pts: out.frames.map((f: any) => Number(f.pts)),
    timeBase: num! / den!,
    width: out.streams[0].width,
    height: out.streams[0].height,
  };
}

const apiGet = async (url: string): Promise<any> =>
  (await fetch(`${kadr.url}${url}`, { headers: { authorization: `Bearer ${token}` } })).json();
const cameraNamed = async (name: string): Promise<any> =>
  ((await apiGet('/api/cameras')).items as any[]).find((c) => c.name === name);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Frames ffprobe reads from an RTSP URL (at most `count`). */
function probeRtsp(url: string, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      'ffprobe',
      [
        ...['-v', 'error', '-rtsp_transport', 'tcp', '-select_streams', 'v:0'],
        ...['-show_entries', 'frame=pts', '-read_intervals', `%+#${count}`, '-of', 'json', url],
      ],
      { timeout: 15_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`ffprobe ${url}: ${error.message}\n${stderr}`));
        resolve((JSON.parse(stdout).frames as unknown[]).length);
      },
    );
  });
}

async function liveNames(): Promise<string[]> {
  const res = await fetch(`${kadr.url}/api/live`, { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { name: string }[]).map((s) => s.name);
}

test('WHIP answers what RFC 9725 says, and never a 5xx for what a client sent', async () => {
  assert.equal((await post(whip('cam'), 'v=0\r\n', 'application/sdp', false)).status, 401);
  assert.equal((await post(whip('cam'), '{}', 'application/json')).status, 415);
  assert.equal((await post(whip('cam'), 'hello')).status, 400);
  assert.equal((await post(whip('cam'), 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n')).status, 400);
  assert.equal((await post(whip('bad name!'), 'v=0\r\n')).status, 400);
  const recvonly = [
    'v=0',
    'o=- 1 1 IN IP4 0.0.0.0',
    's=-',
    't=0 0',
    'm=video 9 UDP/TLS/RTP/SAVPF 96',
    'c=IN IP4 0.0.0.0',
    'a=mid:0',
    'a=recvonly',
    'a=rtpmap:96 H264/90000',
    'a=fmtp:96 packetization-mode=1',
    '',
  ].join('\r\n');
  const refused = await post(whip('cam'), recvonly);
  assert.equal(refused.status, 400);
  assert.match(((await refused.json()) as any).error.message, /must send/);
  const vp8 = recvonly.replace('a=recvonly', 'a=sendonly').replace('H264', 'VP8');
  assert.equal((await post(whip('cam'), vp8)).status, 406);
  const gone = await fetch(`${whip('cam')}/00000000-0000-0000-0000-000000000000`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(gone.status, 404);
  const options = await fetch(whip('cam'), {
    method: 'OPTIONS',
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(options.headers.get('accept-post'), 'application/sdp');
});

test('aiortc publishes over WHIP: recorded frame for frame with its own frame times and wallclock', async () => {
  const sending = aiortcSender('aiortc', 6);
  // While it sends: a live view by its name, and the name is taken.
  let names: string[] = [];
  for (let i = 0; i < 40 && !names.includes('aiortc'); i++) {
    await new Promise((r) => setTimeout(r, 250));
    names = await liveNames();
  }
  assert.ok(names.includes('aiortc'), `live views: ${names.join(', ')}`);
  assert.equal((await post(whip('aiortc'), 'v=0\r\n')).status, 409);
  // The push camera 'aiortc': live, and kadr's RTSP server restreams it to a client nobody here wrote.
  const cam = await waitFor(
    'the camera live',
    async () => {
      const c = await cameraNamed('aiortc');
      return c?.state === 'live' ? c : undefined;
    },
    8000,
  );
  assert.equal(cam.transport, 'push');
  assert.equal(cam.recording, true);
  assert.ok(cam.node, 'the node with the session holds the camera');
  const restreamed = await probeRtsp(cam.rtspUrl, 15);
  assert.equal(restreamed, 15, `frames ffprobe read from ${cam.rtspUrl}`);
  const got = await sending;
  assert.equal(got.status, 201, got.body);
  assert.match(got.location!, /^\/api\/whip\/aiortc\/[0-9a-f-]{36}$/);
  assert.equal(got.deleteStatus, 200);
  const rec = got.recording;
  assert.ok(rec.key, `${JSON.stringify(rec)}\n${kadr.stderr().slice(-3000)}`);

  const probed = probeFrames(rec.key);
  assert.equal(probed.width, 320);
  assert.equal(probed.height, 240);
  assert.equal(probed.pts.length, rec.frames);
  // Recorded pts in 90 kHz ticks, counted from the first recorded frame.
  const ticks = probed.pts.map((p) => Math.round((p - probed.pts[0]!) * probed.timeBase * 90000));
  const sentPts = new Map(got.sent.map(([pts, ms]) => [pts, ms]));
  // The sender's pts of the first recorded frame: the offset under which every recorded time is one it sent.
  let best = { offset: 0, matched: -1 };
  for (const [pts] of got.sent.slice(0, 120)) {
    const matched = ticks.filter((t) => sentPts.has(t + pts)).length;
    if (matched > best.matched) best = { offset: pts, matched };
  }
  assert.equal(best.matched, ticks.length, 'every recorded frame time is a frame time the sender sent');
  const lastSent = ticks.at(-1)! + best.offset;
  const expected = got.sent.filter(([pts]) => pts >= best.offset && pts <= lastSent).length;
  const lost = expected - ticks.length;
  assert.ok(ticks.length >= 100, `frames recorded: ${ticks.length}`);
  assert.ok(lost <= expected * 0.05, `frames lost on loopback: ${lost} of ${expected}`);

  // The stored wallclock is the sender's: for each frame, what the sender report in force when it
  // was taken (the first one for frames taken before any) says of its RTP timestamp.
  const index = JSON.parse(await readFile(rec.key.replace(/\.mp4$/, '.index.json'), 'utf8'));
  assert.equal(index.ntpMs.length, ticks.length);
  assert.ok(
    index.ntpMs.every((v: number | null) => v !== null),
    'every frame has the sender wallclock',
  );
  assert.ok(got.reports.length >= 3, `sender reports: ${got.reports.length}`);
  const taken = new Map(got.sent.map(([pts, , ms]) => [pts, ms]));
  const diffs = ticks.map((t, i) => {
    const pts = t + best.offset;
    const rtp = (got.rtpOrigin + pts) >>> 0;
    const sr = got.reports.filter((r) => r[2] <= taken.get(pts)!).at(-1) ?? got.reports[0]!;
    const senderMs = sr[0] + (((rtp - sr[1]) | 0) * 1000) / 90000;
    return index.ntpMs[i] - senderMs;
  });
  const sorted = diffs.map(Math.abs).sort((a, b) => a - b);
  const p95 = sorted[Math.floor(sorted.length * 0.95)]!;
  const capture = ticks.map((t, i) => index.ntpMs[i] - taken.get(t + best.offset)!).sort((a, b) => a - b);
  console.log(
    `aiortc: ${got.sent.length} frames sent, ${ticks.length} recorded, ${lost} lost, ${got.reports.length} sender reports; |stored wallclock - sender's SR clock|: median ${sorted[sorted.length >> 1]!.toFixed(2)} ms, p95 ${p95.toFixed(2)}, max ${sorted.at(-1)!.toFixed(2)}; stored - time aiortc took the frame: median ${capture[capture.length >> 1]!.toFixed(1)} ms`,
  );
  assert.ok(sorted[sorted.length >> 1]! <= 1, `median ${sorted[sorted.length >> 1]} ms from the SR clock`);
  assert.ok(p95 <= 3, `95% of frames within 3 ms of the sender SR clock (p95 ${p95} ms)`);
  assert.equal(rec.firstFrameTime, new Date(index.ntpMs[0]).toISOString());
  // `kadr frame` takes the key and finds a frame by the sender's wallclock.
  const cli = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(import.meta.dirname, '../../../src/cli/bin.ts'),
      'frame',
      rec.key,
      '--wallclock',
      new Date(index.ntpMs[50] + 1).toISOString(),
      '--json',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(JSON.parse(cli).index, 50);
  // Gone from the live views once ended.
  assert.ok(!(await liveNames()).includes('aiortc'));

  // The camera is offline, and the session's recording is its recording, found by the sender's clock.
  const ended = await cameraNamed('aiortc');
  assert.equal(ended.state, 'offline');
  assert.equal(ended.node, null);
  const span = `from=${new Date(index.ntpMs[0] - 1000).toISOString()}&to=${new Date(index.ntpMs.at(-1) + 1000).toISOString()}`;
  const list = await apiGet(`/api/cameras/${ended.id}/recordings?${span}`);
  assert.equal(list.segments.length, 1, JSON.stringify(list));
  assert.equal(list.segments[0].key, rec.objectKey);
  assert.equal(list.segments[0].frames, rec.frames);
  const at = await apiGet(
    `/api/cameras/${ended.id}/frame?at=${new Date(index.ntpMs[50] + 1).toISOString()}&format=json`,
  );
  assert.equal(at.index, 50, JSON.stringify(at));
  assert.equal(at.clock, 'rtcp');
  const jpeg = await fetch(
    `${kadr.url}/api/cameras/${ended.id}/frame?at=${new Date(index.ntpMs[50] + 1).toISOString()}`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  assert.equal(jpeg.headers.get('content-type'), 'image/jpeg');
  console.log(
    `push camera aiortc: ffprobe read ${restreamed} frames of its restream; 1 segment, ${rec.frames} frames`,
  );
});

test("Debian's Chromium sends its fake camera from /webcam: recorded with increasing frame times", async () => {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--headless=new',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
    ],
  });
  try {
    // Without the token the page asks for it.
    const anonymous = await browser.newPage();
    await anonymous.goto(`${kadr.url}/webcam?name=chrome`);
    await anonymous.click('#start');
    await anonymous.waitForSelector('#auth', { state: 'visible', timeout: 15_000 });
    await anonymous.close();

    const context = await browser.newContext();
    await context.addInitScript((t) => (globalThis as any).sessionStorage.setItem('kadr-token', t), token);
    const page = await context.newPage();
    await page.goto(`${kadr.url}/webcam?name=chrome`);
    const clickedMs = Date.now();
    await page.click('#start');
    await page.waitForFunction(
      () => (globalThis as any).kadrWebcam.sending || (globalThis as any).kadrWebcam.error,
      undefined,
      {
        timeout: 15_000,
      },
    );
    assert.equal(await page.evaluate(() => (globalThis as any).kadrWebcam.error), null);
    await new Promise((r) => setTimeout(r, 5000));
    const sent = await page.evaluate(async () => {
      const stats = await (globalThis as any).kadrWebcam.pc.getStats();
      let out: any = null;
      stats.forEach((s: any) => {
        if (s.type === 'outbound-rtp' && s.kind === 'video') out = s;
      });
      const codec = out && stats.get(out.codecId);
      return {
        framesSent: out?.framesSent,
        width: out?.frameWidth,
        height: out?.frameHeight,
        codec: codec?.mimeType,
      };
    });
    assert.equal(sent.codec, 'video/H264', JSON.stringify(sent));
    await page.click('#stop');
    await page.waitForFunction(
      () => (globalThis as any).kadrWebcam.recording || (globalThis as any).kadrWebcam.error,
      undefined,
      {
        timeout: 20_000,
      },
    );
    const rec = await page.evaluate(() => (globalThis as any).kadrWebcam.recording);
    assert.ok(rec?.key, JSON.stringify(rec));
    const probed = probeFrames(rec.key);
    console.log(
      `chromium: ${sent.framesSent} frames sent (its stats, before stop), ${rec.frames} recorded, ${probed.width}x${probed.height}`,
    );
    assert.equal(probed.width, sent.width);
    assert.equal(probed.height, sent.height);
    assert.equal(probed.pts.length, rec.frames);
    assert.ok(rec.frames >= 40, `frames recorded: ${rec.frames}`);
    assert.ok(rec.frames >= sent.framesSent * 0.8, `recorded ${rec.frames} of ${sent.framesSent} sent`);
    assert.ok(
      probed.pts.slice(1).every((p, i) => p > probed.pts[i]!),
      'frame times increase',
    );
    assert.ok(Date.parse(rec.lastFrameTime) > Date.parse(rec.firstFrameTime));
    // Chromium's sender reports give every frame its wallclock (the same machine's clock here).
    const index = JSON.parse(await readFile(rec.key.replace(/\.mp4$/, '.index.json'), 'utf8'));
    assert.ok(
      index.ntpMs.every((v: number | null) => v !== null),
      'every frame has the sender wallclock',
    );
    const firstMs = Date.parse(rec.firstFrameTime);
    assert.ok(
      firstMs > clickedMs - 1000 && firstMs < clickedMs + 10_000,
      `first frame at ${rec.firstFrameTime}`,
    );
  } finally {
    await browser.close();
  }
});

test('a WHIP session cut by kill -9: its spool is stored at the next start, whole, as the camera recording', async () => {
  const sending = aiortcSender('crash', 10).catch((error: unknown) => error);
  const cam = await waitFor(
    'the camera live',
    async () => {
      const c = await cameraNamed('crash');
      return c?.state === 'live' ? c : undefined;
    },
    10_000,
  );
  await sleep(3000); // a few fragments written to the spool
  const killedAt = Date.now();
  await kadr.kill9();
  const spool = path.join(dataDir, 'whip-spool');
  assert.ok(
    (await readdir(spool)).some((f) => f.endsWith('.journal')),
    'the dead process left its journal',
  );
  kadr = await startKadr(serveArgs(), serveEnv);
  const segment = await waitFor(
    'the recording stored and listed',
    async () => {
      const list = await apiGet(
        `/api/cameras/${cam.id}/recordings?from=${new Date(Date.now() - 120_000).toISOString()}&to=${new Date().toISOString()}`,
      );
      return list.segments?.[0];
    },
    20_000,
  );
  await sending;
  const file = path.join(dataDir, 'objects', segment.key);
  const index = JSON.parse(await readFile(file.replace(/\.mp4$/, '.index.json'), 'utf8'));
  assert.equal(index.endReason, 'crash');
  assert.equal(index.frames, segment.frames);
  const probed = probeFrames(file);
  assert.equal(probed.pts.length, index.frames, 'every frame the index lists is in the stored media');
  assert.ok(index.frames >= 30, `frames recovered: ${index.frames}`);
  // Lost: only the fragment being written (1 s) and what the sender's clock still held back.
  const lostMs = killedAt - index.ntpMs.at(-1);
  assert.ok(lostMs < 2000, `the recovered recording ends ${lostMs} ms before the kill`);
  assert.deepEqual(await readdir(spool), [], 'nothing is left in the spool');
  console.log(
    `crash: ${index.frames} frames recovered from the WHIP spool, the last ${lostMs.toFixed(0)} ms before the kill; stored as ${segment.key}`,
  );
});
