/**
 * LL-HLS from `kadr serve`, read by real HLS clients: a live camera (gst-rtsp-server, 25 fps, 1 s
 * GOP, RTCP sender reports) added through the API. FFmpeg's HLS demuxer reads the playlist and
 * decodes its frames, whose PTS are the camera's: the recording of the same camera shows the same
 * PTS at each segment's EXT-X-PROGRAM-DATE-TIME. Blocking playlist reload holds a request for the
 * next part until it exists, and answers a directive far ahead with 400 at once. Debian's Chromium
 * (playwright-core) plays the player page in LL-HLS mode: frames advance, and the latency between
 * capture (the camera's wallclock, through the program date) and the browser's clock is sampled.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the answers are read field by field, as JSON */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startLiveSource, type LiveSource } from '../streams/live-peers.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { callApi } from './support/api-call.js';
import type { Browser } from 'playwright-core';
import { launchChromium, quantile, watchHls } from './support/hls-browser.js';
import { kadrEnv, startKadr, type KadrProcess } from './support/kadr-process.js';

const token = randomBytes(24).toString('hex');
let tdb: TestDatabase;
let dataDir: string;
let source: LiveSource;
let kadr: KadrProcess;
let cameraId: string;

const api = (method: string, url: string, body?: unknown) => callApi(kadr.url, token, method, url, body);
const auth = { authorization: `Bearer ${token}` };
const playlistUrl = '/api/live/gate/hls/index.m3u8';
/** With a rendition offered, the playlist above is the multivariant one; this is the original's media playlist. */
const mediaUrl = `${playlistUrl}?quality=original`;

async function get(url: string): Promise<{ status: number; text: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${kadr.url}${url}`, { headers: auth });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - t0 };
}

interface Listed {
  msn: number;
  /** Parts of the segment in progress (the last msn), and the preload hint's URI. */
  parts: number;
  hint: string;
  segments: { msn: number; pdtMs: number; durationS: number }[];
}

function parseMediaPlaylist(text: string): Listed {
  const lines = text.trim().split('\n');
  let msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)![1]);
  const segments: Listed['segments'] = [];
  let pdtMs = NaN;
  let parts = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) {
      pdtMs = Date.parse(line.slice(25));
      parts = 0;
    } else if (line.startsWith('#EXT-X-PART:')) parts++;
    else if (line.startsWith('#EXTINF:')) {
      segments.push({ msn, pdtMs, durationS: parseFloat(line.slice(8)) });
      msn++;
      parts = 0;
    }
  }
  const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(text)![1]!;
  return { msn, parts, hint, segments };
}

before(async () => {
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-live-hls-'));
  source = await startLiveSource({ cam: 'h264' });
  kadr = await startKadr(
    ['serve', '--port', '0', '--data', dataDir, '--concurrency', '0', '--rtsp-port', '0'],
    kadrEnv({
      DATABASE_URL: tdb.url,
      KADR_API_TOKEN: token,
      KADR_CAMERA_SEGMENT_SECONDS: '2',
      // One rendition below the camera's 240 lines, for the quality switch.
      KADR_LIVE_QUALITIES: '120p',
    }),
  );
  const created = await api('POST', '/api/cameras', { name: 'gate', url: source.url('cam') });
  assert.equal(created.status, 201, created.text);
  cameraId = created.json.id as string;
});
after(async () => {
  await kadr?.stop();
  await source?.kill();
  await tdb?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

test('the live list names each stream with its URLs; client mistakes are 4xx, never 5xx', async () => {
  const list = await api('GET', '/api/live');
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(JSON.parse(list.text), [
    { name: 'gate', whep: '/api/live/gate/whep', hls: playlistUrl, qualities: ['original', '120p'] },
  ]);
  assert.equal((await fetch(`${kadr.url}/api/live`)).status, 401, 'the API needs the token');
  // Two qualities: the multivariant playlist lists a variant of each, with its picture size.
  const variants = (await get(playlistUrl)).text.match(/#EXT-X-STREAM-INF:[^\n]*RESOLUTION=\d+x\d+/g) ?? [];
  assert.deepEqual(
    variants.map((v) => /RESOLUTION=(\d+x\d+)/.exec(v)![1]),
    ['320x240', '160x120'],
    variants.join('\n'),
  );
  assert.equal((await get('/api/live/nope/hls/index.m3u8')).status, 404);
  assert.equal((await get(`${playlistUrl}?quality=4k`)).status, 404);
  assert.equal((await get(`${playlistUrl}?_HLS_msn=abc`)).status, 400);
  assert.equal((await get(`${playlistUrl}?_HLS_msn=-1`)).status, 400);
  assert.equal((await get(`${playlistUrl}?_HLS_part=1`)).status, 400, '_HLS_part without _HLS_msn');
  assert.equal((await get('/api/live/gate/hls/original/seg1.ts')).status, 400);
  assert.equal((await get('/api/live/gate/hls/original/init-99.mp4')).status, 404);
  assert.equal((await get('/api/live/gate/hls/4k/seg1.m4s')).status, 404);
  // The page and its assets need no token: the API calls it makes send it.
  const page = await fetch(`${kadr.url}/live/gate`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<video/);
  const openapi = await api('GET', '/api/openapi.json');
  assert.equal(openapi.status, 200);
  assert.ok(openapi.json.paths['/api/live/{name}/hls/index.m3u8'], 'the routes are in the OpenAPI document');
  const hlsJs = await fetch(`${kadr.url}/live/assets/hls.min.js`);
  assert.equal(hlsJs.status, 200);
  assert.ok((await hlsJs.arrayBuffer()).byteLength > 100_000, 'hls.js served from node_modules');
});

test('LL-HLS: blocking reload waits for the next part; a directive far ahead is a 400 at once', async (t) => {
  const first = await get(mediaUrl);
  assert.equal(first.status, 200, first.text);
  const text = first.text;
  for (const tag of [
    '#EXT-X-PART-INF:PART-TARGET=0.20000',
    '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.60000',
    '#EXT-X-TARGETDURATION:1',
    '#EXT-X-MAP:URI="original/init-1.mp4"',
    'INDEPENDENT=YES',
  ]) {
    assert.ok(text.includes(tag), `${tag} in\n${text}`);
  }
  const listed = parseMediaPlaylist(text);
  assert.ok(listed.segments.length >= 1);
  for (const s of listed.segments)
    assert.ok(Math.abs(s.durationS - 1) < 0.01, `a 1 s GOP, 1 s segments: ${s.durationS}`);
  // The part after the last listed one: held until it exists, then listed. Asked right after such an
  // answer (a part has just completed), the next one is about a part target (200 ms) away.
  const arrived = parseMediaPlaylist(
    (await get(`${mediaUrl}&_HLS_msn=${listed.msn}&_HLS_part=${listed.parts}`)).text,
  );
  const waited = await get(`${mediaUrl}&_HLS_msn=${arrived.msn}&_HLS_part=${arrived.parts}`);
  assert.equal(waited.status, 200);
  const next = parseMediaPlaylist(waited.text);
  assert.ok(next.msn > arrived.msn || next.parts > arrived.parts, 'the answer holds the part asked for');
  assert.ok(waited.ms > 50 && waited.ms < 1500, `held until the part existed: ${waited.ms.toFixed(0)} ms`);
  // The preload hint: the part not written yet, answered when complete.
  const hinted = await fetch(`${kadr.url}/api/live/gate/hls/${next.hint}`, { headers: auth });
  assert.equal(hinted.status, 200);
  const part = Buffer.from(await hinted.arrayBuffer());
  // [prft] moof mdat: the producer reference time box, then the fragment.
  assert.ok(part.subarray(0, 64).includes('moof'), 'a part is an fMP4 fragment');
  const far = await get(`${mediaUrl}&_HLS_msn=${listed.msn + 100}`);
  assert.equal(far.status, 400, far.text);
  assert.ok(far.ms < 300, `400 at once, not after a wait: ${far.ms.toFixed(0)} ms`);
  t.diagnostic(
    `next part held ${waited.ms.toFixed(0)} ms; far _HLS_msn answered 400 in ${far.ms.toFixed(0)} ms`,
  );
  const farPart = await get(`${mediaUrl}&_HLS_msn=${next.msn}&_HLS_part=${next.parts + 40}`);
  assert.equal(farPart.status, 400, 'past the Advance Part Limit');
});

test("FFmpeg's HLS client decodes the stream with the camera's PTS, the same as the recording", async (t) => {
  const started = await api('POST', `/api/cameras/${cameraId}/recording/start`);
  assert.equal(started.status, 200, started.text);
  const recordingFromMs = Date.now();
  await new Promise((r) => setTimeout(r, 1500));
  const probe = await new Promise<{ pts: number[]; key: boolean[] }>((resolve, reject) => {
    execFile(
      'ffprobe',
      [
        '-v',
        'error',
        '-headers',
        `Authorization: Bearer ${token}\r\n`,
        '-live_start_index',
        '-2',
        '-read_intervals',
        '%+#100',
        '-select_streams',
        'v:0',
        '-show_entries',
        'frame=pts,key_frame,width,height',
        '-of',
        'json',
        `${kadr.url}${mediaUrl}`,
      ],
      { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`ffprobe: ${error.message}\n${stderr}`));
        const frames = (JSON.parse(stdout) as { frames: { pts: number; key_frame: number; width: number }[] })
          .frames;
        assert.ok(
          frames.every((f) => f.width === 320),
          'decoded pictures',
        );
        resolve({ pts: frames.map((f) => f.pts), key: frames.map((f) => f.key_frame === 1) });
      },
    );
  });
  assert.equal(probe.pts.length, 100, 'frames decoded through HLS');
  assert.equal(probe.key[0], true);
  const steps = new Set(probe.pts.slice(1).map((p, i) => p - probe.pts[i]!));
  assert.deepEqual([...steps], [3600], "the camera's 25 fps on its 90 kHz clock");
  const playlist = parseMediaPlaylist((await get(mediaUrl)).text);
  const seen = new Set(probe.pts);
  // Each segment starts at the frame whose wallclock its program date is; the recording (another
  // consumer of the same camera, its own muxer and index) shows the frame with the same PTS then
  // (asked 1 ms later: a program date is the frame's wallclock cut to whole ms).
  let compared = 0;
  for (const seg of playlist.segments) {
    if (seg.pdtMs < recordingFromMs + 500) continue;
    let frame: any = null;
    for (let i = 0; i < 20 && frame?.status !== 200; i++) {
      frame = await api(
        'GET',
        `/api/cameras/${cameraId}/frame?at=${new Date(seg.pdtMs + 1).toISOString()}&format=json`,
      );
      if (frame.status !== 200) await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(frame.status, 200, frame.text);
    assert.equal(frame.json.clock, 'rtcp', 'both times are the camera’s wallclock');
    assert.ok(
      Math.abs(Date.parse(frame.json.frameTime) - seg.pdtMs) <= 1,
      `${frame.json.frameTime} vs ${seg.pdtMs}`,
    );
    const pts = Number(frame.json.ptsTicks);
    if (pts < probe.pts[0]! || pts > probe.pts[probe.pts.length - 1]!) continue;
    assert.ok(
      seen.has(pts),
      `recorded PTS ${pts} at the program date of segment ${seg.msn} is an HLS frame's PTS`,
    );
    compared++;
  }
  assert.ok(compared >= 1, `segments compared with the recording: ${compared}`);
  t.diagnostic(`${probe.pts.length} frames through HLS; ${compared} segment starts have the recording's PTS`);
  await api('POST', `/api/cameras/${cameraId}/recording/stop`);
});

test('Chromium plays the player page in LL-HLS mode: frames advance, latency from the camera clock', async (t) => {
  const browser = await launchChromium();
  try {
    const r = await watchHls(browser, `${kadr.url}/live/gate?mode=hls`, token, 4);
    assert.equal(r.mode, 'hls');
    assert.equal(r.width, 320);
    assert.ok(r.mediaTimes.length >= 40, `frames presented in 4 s: ${r.mediaTimes.length}`);
    assert.ok(r.mediaTimes[r.mediaTimes.length - 1]! - r.mediaTimes[0]! > 2, 'media time advances');
    const p50 = quantile(r.latenciesMs, 0.5);
    t.diagnostic(
      `LL-HLS latency capture -> browser clock: p50 ${p50} ms over ${r.latenciesMs.length} samples (${Math.min(...r.latenciesMs)}..${Math.max(...r.latenciesMs)})`,
    );
    assert.ok(r.latenciesMs.length >= 10 && p50 > 0 && p50 < 6000, `latency p50 ${p50} ms`);
    // Without a mode the page tries WebRTC first and falls back to LL-HLS; either way it plays.
    const auto = await watchHls(browser, `${kadr.url}/live/gate`, token, 1);
    assert.ok(['webrtc', 'hls'].includes(auto.mode), auto.mode);
    assert.ok(auto.mediaTimes.length >= 10, `frames presented in auto mode (${auto.mode})`);
    // A stream that is not there is said on the page.
    const page = await browser.newPage();
    await page.addInitScript(`sessionStorage.setItem('kadr-token', ${JSON.stringify(token)})`);
    await page.goto(`${kadr.url}/live/nope`);
    const said = page.locator('#status.error');
    await said.waitFor({ timeout: 5000 });
    assert.match(await said.innerText(), /no live stream "nope" \(streams: gate\)/);
    await page.close();
  } finally {
    await browser.close();
  }
});

test("Chromium switches the quality in the page, in LL-HLS and in WebRTC: the picture becomes the rendition's size, and back", async () => {
  const browser = await launchChromium();
  try {
    for (const mode of ['hls', 'webrtc']) await switchQuality(browser, mode);
  } finally {
    await browser.close();
  }
});

async function switchQuality(browser: Browser, mode: string): Promise<void> {
  const page = await browser.newPage();
  await page.addInitScript(`sessionStorage.setItem('kadr-token', ${JSON.stringify(token)})`);
  await page.goto(`${kadr.url}/live/gate?mode=${mode}`);
  const size = () =>
    page.evaluate(
      `(() => { const v = document.querySelector('video'); return v.readyState >= 2 ? v.videoWidth + 'x' + v.videoHeight : null; })()`,
    );
  const waitSize = async (want: string): Promise<void> => {
    const deadline = Date.now() + 20_000;
    let seen: unknown = null;
    while (Date.now() < deadline) {
      seen = await size();
      if (seen === want) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`${mode}: picture ${String(seen)}, wanted ${want}`);
  };
  await waitSize('320x240');
  assert.deepEqual(
    await page.evaluate(`[...document.querySelectorAll('#quality option')].map((o) => o.value)`),
    ['original', '120p'],
  );
  await page.selectOption('#quality', '120p');
  await waitSize('160x120');
  await page.selectOption('#quality', 'original');
  await waitSize('320x240');
  assert.equal(await page.evaluate('window.kadrPlayer.mode'), mode);
  await page.close();
}

test('the camera reconnects: the playlist goes on after EXT-X-DISCONTINUITY, with a new program date', async () => {
  const before = await get(mediaUrl);
  assert.equal(before.status, 200);
  assert.doesNotMatch(before.text, /#EXT-X-DISCONTINUITY\n/);
  await source.kill();
  await new Promise((r) => setTimeout(r, 1000));
  await source.restart();
  let text = '';
  const deadline = Date.now() + 30_000;
  // Reloads as a player would (which also keeps the muxer from being stopped as idle).
  while (Date.now() < deadline) {
    const res = await get(mediaUrl);
    if (res.status === 200 && /#EXT-X-DISCONTINUITY\n[^]*#EXTINF/.test(res.text)) {
      text = res.text;
      break;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.ok(text, 'a complete segment after a discontinuity');
  const after = text.slice(text.indexOf('#EXT-X-DISCONTINUITY\n'));
  const pdt = /#EXT-X-PROGRAM-DATE-TIME:(\S+)/.exec(after)![1]!;
  const lastBefore = [...before.text.matchAll(/#EXT-X-PROGRAM-DATE-TIME:(\S+)/g)].pop()![1]!;
  assert.ok(
    Date.parse(pdt) - Date.parse(lastBefore) >= 1000,
    `program date moves on across the gap: ${lastBefore} -> ${pdt}`,
  );
  assert.match(after, /INDEPENDENT=YES/, 'the new connection starts at a keyframe');
});
