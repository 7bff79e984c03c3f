/**
 * LL-HLS glass-to-glass latency on loopback: a live camera (gst-rtsp-server encoding videotestsrc as it
 * runs, 320x240, 25 fps, 1 s GOP, RTCP sender reports from the machine's clock) served by `kadr serve`
 * (embedded PostgreSQL), watched in Debian's Chromium on kadr's player page in LL-HLS mode. Each sample
 * is Date.now() in the page minus hls.js's playingDate, the program date (the camera's capture
 * wallclock) of the frame on screen; p50 and p95 over the run, beside MediaMTX's published LL-HLS
 * defaults as the reference configuration (the same part and segment lengths).
 *
 * usage: node --import tsx bench/hls-latency.ts [seconds=60]
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { callApi } from '../test/integration/api/support/api-call.js';
import { launchChromium, quantile, watchHls } from '../test/integration/api/support/hls-browser.js';
import { kadrEnv, startKadr } from '../test/integration/api/support/kadr-process.js';
import { startLiveSource } from '../test/integration/streams/live-peers.js';

const seconds = Number(process.argv[2] ?? 60);
const token = randomBytes(16).toString('hex');
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-bench-hls-'));
// The embedded PostgreSQL runs as its own user, who must be able to enter the data folder.
await chmod(dataDir, 0o755);
const source = await startLiveSource({ cam: 'h264' });
const kadr = await startKadr(
  ['serve', '--port', '0', '--data', dataDir, '--concurrency', '0', '--rtsp-port', '0'],
  kadrEnv({ KADR_API_TOKEN: token }),
).catch(async (error: unknown) => {
  await source.kill();
  throw error;
});
try {
  const created = await callApi(kadr.url, token, 'POST', '/api/cameras', {
    name: 'bench',
    url: source.url('cam'),
  });
  if (created.status !== 201) throw new Error(created.text);
  const browser = await launchChromium();
  try {
    const r = await watchHls(browser, `${kadr.url}/live/bench?mode=hls`, token, seconds, 250);
    const frames = r.mediaTimes.length;
    const span = r.mediaTimes[frames - 1]! - r.mediaTimes[0]!;
    console.log(`LL-HLS in Chromium ${browser.version()}, ${seconds} s, ${r.latenciesMs.length} samples`);
    console.log(
      `frames presented: ${frames} over ${span.toFixed(1)} s of media (${(frames / span).toFixed(1)} fps)`,
    );
    console.log('| | part | segment | latency p50 | p95 |');
    console.log('|---|---|---|---|---|');
    console.log(
      `| kadr (measured) | 200 ms | 1 s (the GOP) | ${quantile(r.latenciesMs, 0.5)} ms | ${quantile(r.latenciesMs, 0.95)} ms |`,
    );
    console.log(
      '| MediaMTX defaults (reference, not run here) | 200 ms (hlsPartDuration) | 1 s (hlsSegmentDuration) | - | - |',
    );
  } finally {
    await browser.close();
  }
} finally {
  await kadr.stop();
  await source.kill();
  await rm(dataDir, { recursive: true, force: true });
}
