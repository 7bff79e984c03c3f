/**
 * CPU of kadr's live restream: one camera (gst-rtsp-server serving a 1080p H.264 file at its own pace,
 * 4 Mbit/s, test/integration/recorder/gst-rtsp-server.py) pulled once by LiveCameras and restreamed by
 * kadr's RTSP server to N GStreamer viewers (rtspsrc, depayloaded, not decoded; every other one over
 * UDP). Reports this process's CPU (user + system, % of one core) with 0 viewers (the pull alone) and
 * with N, and the latency the restream adds: for each frame, kadr's own client on the restream
 * receives it this long after the hub received it from the camera (same process, same clock; frames
 * the hub received after that viewer started playing).
 *
 * usage: node --import tsx bench/live-restream.ts [viewers=3] [seconds=15]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RtspServer } from '../src/rtsp/index.js';
import { LiveCameras, RtspCameraSource, StreamRegistry } from '../src/streams/index.js';
import { freePort } from '../test/integration/recorder/rtsp-source.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const viewers = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 15);

function makeClip(): string {
  const dir = path.join(root, '.cache', 'bench');
  const file = path.join(dir, 'live-1080p-4M.mp4');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    process.stderr.write(`making ${file} with ffmpeg...\n`);
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=1920x1080:r=25:d=90',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-b:v',
      '4M',
      '-maxrate',
      '4M',
      '-bufsize',
      '4M',
      '-g',
      '50',
      '-pix_fmt',
      'yuv420p',
      file,
    ]);
  }
  return file;
}

function cpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function measure(label: string, ms: number): Promise<void> {
  const c0 = cpu();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const pct = ((cpu() - c0) / ((performance.now() - t0) / 1000)) * 100;
  console.log(`${label}: kadr process CPU ${pct.toFixed(1)}% of one core`);
}

const clip = makeClip();
const port = await freePort();
const gst = spawn(
  '/usr/bin/python3',
  [path.join(root, 'test/integration/recorder/gst-rtsp-server.py'), String(port), `cam=${clip}`],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
await new Promise((r) => gst.stdout!.once('data', r));
const cameras = new LiveCameras();
const registry = new StreamRegistry();
registry.setLiveMounts(cameras);
const server = new RtspServer({ handler: registry, host: '127.0.0.1', port: 0 });
const { port: kadrPort } = await server.listen();
const viewers$: ChildProcess[] = [];
try {
  const id = 'bench';
  cameras.put({ id, name: 'cam', url: `rtsp://127.0.0.1:${port}/cam`, transport: 'tcp', onDemand: false });
  while (cameras.health(id)!.state !== 'live') await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 2000));
  await measure('pull only, 0 viewers', seconds * 1000);
  for (let i = 0; i < viewers; i++) {
    const proto = i % 2 === 0 ? 'tcp' : 'udp';
    viewers$.push(
      spawn(
        'gst-launch-1.0',
        [
          '-q',
          'rtspsrc',
          `location=rtsp://127.0.0.1:${kadrPort}/cam`,
          `protocols=${proto}`,
          '!',
          'rtph264depay',
          '!',
          'fakesink',
        ],
        { stdio: 'ignore' },
      ),
    );
  }
  await new Promise((r) => setTimeout(r, 3000));
  const h = cameras.health(id)!;
  console.log(
    `camera: ${h.codec} ${h.width}x${h.height}, ${h.fps?.toFixed(2)} fps, ${((h.bitrateBps ?? 0) / 1e6).toFixed(2)} Mbit/s, consumers ${h.consumers}`,
  );
  await measure(`${viewers} viewers (gst rtspsrc, TCP and UDP)`, seconds * 1000);
  // Latency the restream adds, measured with one more viewer in this process.
  const hub = cameras.acquire(id, 'latency');
  const arrived = new Map<number, number>();
  void (async () => {
    for await (const u of hub) arrived.set(u.rtpTimestamp!, u.receivedAtMs);
  })();
  const src = new RtspCameraSource(`rtsp://127.0.0.1:${kadrPort}/cam`, {
    transport: 'tcp',
    path: 'auto',
    readTimeoutMs: 5000,
  });
  const pull = await src.connect(new AbortController().signal);
  const delays: number[] = [];
  // The viewer's first group of pictures comes from the hub's keep at once: only frames the hub
  // received after the viewer was playing show the latency of the live path.
  const playingAt = Date.now();
  const stop = Date.now() + 5000;
  while (Date.now() < stop) {
    const u = await pull.read();
    if (!u) break;
    const at = arrived.get(u.rtpTimestamp!);
    if (at !== undefined && at >= playingAt) delays.push(u.receivedAtMs - at);
    pull.recycle(u.data);
  }
  await pull.close();
  hub.close();
  delays.sort((a, b) => a - b);
  const q = (p: number) => delays[Math.min(delays.length - 1, Math.floor(p * delays.length))]!.toFixed(2);
  console.log(
    `restream latency (hub receive -> viewer receive, ${delays.length} frames): median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${q(1)} ms`,
  );
} finally {
  for (const v of viewers$) v.kill('SIGKILL');
  await server.close();
  await registry.closeAll();
  await cameras.close();
  gst.kill('SIGKILL');
}
