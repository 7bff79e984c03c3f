/**
 * Glass-to-glass latency of kadr's live view in a real browser, over WebRTC and LL-HLS, on loopback.
 *
 * The camera (gst-clock-camera.py: gst-rtsp-server, videotestsrc on the realtime clock, x264enc
 * tune=zerolatency, 640x360 25 fps) draws each frame's capture wallclock into the picture. `kadr serve`
 * (embedded PostgreSQL) takes it as a camera; Debian's Chromium plays `/live/<name>?mode=webrtc|hls`
 * with the <video> element at the picture's size (1:1, so the digits are the camera's pixels). After a
 * warm-up, the bench repeatedly screenshots the <video> element, noting Date.now() before and after;
 * a sample is the midpoint minus the time Tesseract reads from the screenshot (the frame on screen).
 * That is capture to display, less the display's scan-out; half the screenshot's own duration is the
 * error bar, printed beside the numbers. Screenshots Tesseract cannot read are dropped and counted.
 * The OCR runs after each mode's sampling, so it does not share the CPU with the playback it measures.
 *
 * usage: node --import tsx bench/live-latency.ts [--seconds 60]
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { callApi } from '../test/integration/api/support/api-call.js';
import {
  drawnTimeReader,
  startClockCamera,
  type DrawnTimeReader,
} from '../test/integration/api/support/drawn-time.js';
import { launchChromium, quantile } from '../test/integration/api/support/hls-browser.js';
import { kadrEnv, startKadr } from '../test/integration/api/support/kadr-process.js';
import { freeUdpPort } from '../test/integration/webrtc/whep-peers.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' } } });
const seconds = Number(values.seconds);
/** The camera's picture (gst-clock-camera.py's WIDTH x HEIGHT), shown 1:1. */
const WIDTH = 640;
const HEIGHT = 360;
/** Playback before sampling starts: WebRTC's jitter buffer and hls.js's live edge settle. */
const WARM_UP_MS = 8_000;
/** A pause between screenshots, so the page keeps most of the CPU for playing. */
const PAUSE_MS = 150;

interface Shot {
  before: number;
  after: number;
  jpeg: Buffer;
}

interface ModeResult {
  mode: 'webrtc' | 'hls';
  samples: number[];
  shotMs: number[];
  unread: number;
  stats: Record<string, number> | null;
}

/**
 * Where the browser's share of the WebRTC latency goes, from its own inbound-rtp statistics
 * (W3C webrtc-stats): the mean time a frame waited in the jitter buffer, took to decode, and spent
 * from its first packet's arrival to its decode (totalProcessingDelay), in ms per frame; and the
 * RTP interarrival jitter (RFC 3550 section 6.4.1), in ms.
 */
async function receiverStats(page: Page): Promise<Record<string, number> | null> {
  return (await page.evaluate(`(async () => {
    const pc = window.kadrPlayer.pc;
    if (!pc) return null;
    for (const s of (await pc.getStats()).values()) {
      if (s.type !== 'inbound-rtp' || s.kind !== 'video') continue;
      return {
        jitterBufferMs: (1000 * s.jitterBufferDelay) / s.jitterBufferEmittedCount,
        jitterBufferTargetMs: (1000 * s.jitterBufferTargetDelay) / s.jitterBufferEmittedCount,
        decodeMs: (1000 * s.totalDecodeTime) / s.framesDecoded,
        processingMs: (1000 * s.totalProcessingDelay) / s.framesDecoded,
        rtpJitterMs: 1000 * s.jitter,
        framesDropped: s.framesDropped,
        fps: s.framesPerSecond,
      };
    }
    return null;
  })()`)) as Record<string, number> | null;
}

async function sample(
  browser: Browser,
  url: string,
  token: string,
  mode: 'webrtc' | 'hls',
): Promise<{ shots: Shot[]; stats: Record<string, number> | null }> {
  const page = await browser.newPage({ viewport: { width: WIDTH + 200, height: HEIGHT + 300 } });
  try {
    await page.addInitScript(`sessionStorage.setItem('kadr-token', ${JSON.stringify(token)})`);
    await page.goto(`${url}/live/bench?mode=${mode}`);
    const state = (await page.evaluate(`(async () => {
      const video = document.querySelector('video');
      video.style.width = '${WIDTH}px';
      video.style.height = '${HEIGHT}px';
      video.style.maxWidth = 'none';
      video.style.objectFit = 'fill';
      video.removeAttribute('controls');
      const deadline = Date.now() + 20000;
      while (video.readyState < 2 && Date.now() < deadline && !window.kadrPlayer.error) await new Promise((r) => setTimeout(r, 100));
      return { ready: video.readyState, mode: window.kadrPlayer.mode, error: window.kadrPlayer.error, w: video.videoWidth };
    })()`)) as { ready: number; mode: string; error: string | null; w: number };
    if (state.ready < 2 || state.mode !== mode)
      throw new Error(`${mode} does not play: ${JSON.stringify(state)}`);
    await page.waitForTimeout(WARM_UP_MS);
    const video = page.locator('video');
    const shots: Shot[] = [];
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      const before = Date.now();
      const jpeg = await video.screenshot({ type: 'jpeg', quality: 90, animations: 'allow' });
      shots.push({ before, after: Date.now(), jpeg });
      await page.waitForTimeout(PAUSE_MS);
    }
    return { shots, stats: mode === 'webrtc' ? await receiverStats(page) : null };
  } finally {
    await page.close();
  }
}

async function measure(
  browser: Browser,
  url: string,
  token: string,
  reader: DrawnTimeReader,
  mode: 'webrtc' | 'hls',
): Promise<ModeResult> {
  const { shots, stats } = await sample(browser, url, token, mode);
  const result: ModeResult = { mode, samples: [], shotMs: [], unread: 0, stats };
  for (const s of shots) {
    const mid = (s.before + s.after) / 2;
    const drawn = await reader.read(s.jpeg, mid);
    if (drawn.ms === null) {
      result.unread++;
      continue;
    }
    result.samples.push(mid - drawn.ms);
    result.shotMs.push(s.after - s.before);
  }
  return result;
}

const token = randomBytes(16).toString('hex');
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-bench-live-latency-'));
// The embedded PostgreSQL runs as its own user, who must be able to enter the data folder.
await chmod(dataDir, 0o755);
const camera = await startClockCamera();
const reader = await drawnTimeReader();
const kadr = await startKadr(
  ['serve', '--port', '0', '--data', dataDir, '--concurrency', '0', '--rtsp-port', '0'],
  kadrEnv({ KADR_API_TOKEN: token, KADR_WEBRTC_PORT: String(await freeUdpPort()) }),
).catch(async (error: unknown) => {
  await camera.kill();
  throw error;
});
try {
  const created = await callApi(kadr.url, token, 'POST', '/api/cameras', { name: 'bench', url: camera.url });
  if (created.status !== 201) throw new Error(created.text);
  const browser = await launchChromium();
  try {
    const results = [
      await measure(browser, kadr.url, token, reader, 'webrtc'),
      await measure(browser, kadr.url, token, reader, 'hls'),
    ];
    const ms = (v: number) => `${Math.round(v)} ms`;
    console.log(
      `glass-to-glass in Chromium ${browser.version()}, ${WIDTH}x${HEIGHT} 25 fps camera (x264 zerolatency, 1 s GOP), ${seconds} s per mode`,
    );
    console.log(
      '| | samples (unread) | p50 | p95 | screenshot p50 (error bar ±half) | goal p50 | reference |',
    );
    console.log('|---|---|---|---|---|---|---|');
    for (const r of results) {
      const row =
        r.mode === 'webrtc'
          ? ['WebRTC (WHEP)', '< 200 ms', 'MediaMTX users report 100-200 ms']
          : ['LL-HLS (hls.js lowLatencyMode)', '< 2 s', 'MediaMTX defaults: 200 ms parts, 1 s segments']; // prettier-ignore
      if (r.samples.length === 0) {
        console.log(`| ${row[0]} | 0 (${r.unread}) | - | - | - | ${row[1]} | ${row[2]} |`);
        continue;
      }
      console.log(
        `| ${row[0]} | ${r.samples.length} (${r.unread}) | ${ms(quantile(r.samples, 0.5))} | ` +
          `${ms(quantile(r.samples, 0.95))} | ${ms(quantile(r.shotMs, 0.5))} | ${row[1]} | ${row[2]} |`,
      );
    }
    for (const r of results) {
      if (!r.stats) continue;
      const parts = Object.entries(r.stats).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(1)}`);
      console.log(`Chromium's receiver (inbound-rtp, mean per frame): ${parts.join(', ')}`);
    }
  } finally {
    await browser.close();
  }
} finally {
  await kadr.stop();
  await camera.kill();
  await reader.close();
  await rm(dataDir, { recursive: true, force: true });
}
