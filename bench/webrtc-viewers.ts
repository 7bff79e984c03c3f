/**
 * WebRTC viewers per core for the original quality: one 1080p H.264 camera (gst-rtsp-server serving
 * a 1080p 25 fps 4 Mbit/s file at its own pace, test/integration/recorder/gst-rtsp-server.py) pulled
 * once by LiveCameras and sent by kadr's WebRTC server (src/webrtc, WHEP routes on Fastify) to N
 * viewers, libdatachannel receivers in a child process (bench/webrtc-receivers.ts; their CPU is not
 * counted). For each N: this process's CPU (user + system, % of one core) over the window, and how
 * late frames arrive against their RTP timestamps (p50/p99 above the earliest, frames over 100 ms).
 * Step 0 is the camera's pull alone; viewers per core = N / ((CPU - CPU at 0) / 100), and the step
 * where frames start to be late is the limit.
 *
 *
 * Open problem: the libdatachannel receivers get the 320x240 test camera (about one RTP packet a
 * frame) but no RTP at all from streams whose every frame is fragmented (FU-A): this 1080p clip, or
 * gst-live-server's h264-heavy, while aiortc and Chromium decode fragmented frames from the same
 * sender (test/integration/webrtc/whep.test.ts). Until the receiver side is understood, the CPU this
 * prints is the sender's cost of sending, and the lateness columns are empty.
 *
 * usage: node --import tsx bench/webrtc-viewers.ts [steps=1,10,25,50,100] [seconds=10]
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { registerErrorHandler } from '../src/api/errors.js';
import { whepRoutes } from '../src/api/whep.routes.js';
import { silentLogger, stderrLogger } from '../src/core/logger.js';
import { LiveCameras, LiveViews } from '../src/streams/index.js';
import { WebRtcServer } from '../src/webrtc/index.js';
import { freePort } from '../test/integration/recorder/rtsp-source.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const steps = (process.argv[2] ?? '0,1,10,25,50,100').split(',').map(Number);
const seconds = Number(process.argv[3] ?? 10);

function makeClip(): string {
  const dir = path.join(root, '.cache', 'bench');
  const file = path.join(dir, 'live-1080p-4M.mp4');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    process.stderr.write(`making ${file} with ffmpeg...\n`);
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=1920x1080:r=25:d=90'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '4M', '-maxrate', '4M', '-bufsize', '4M'],
      ...['-g', '50', '-pix_fmt', 'yuv420p', file],
    ]);
  }
  return file;
}

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const ms = (v: number | null | undefined) => (typeof v === 'number' ? v.toFixed(1) : '-');

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const clip = makeClip();
const port = await freePort();
const gst = spawn(
  '/usr/bin/python3',
  [path.join(root, 'test/integration/recorder/gst-rtsp-server.py'), String(port), `cam=${clip}`],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
await new Promise((r) => gst.stdout!.once('data', r));
const cameras = new LiveCameras();
const id = randomUUID();
cameras.put({ id, name: 'cam', url: `rtsp://127.0.0.1:${port}/cam`, transport: 'tcp', onDemand: false });
while (cameras.health(id)?.state !== 'live') await new Promise((r) => setTimeout(r, 100));
const webrtc = new WebRtcServer({
  port: await freeUdpPort(),
  hosts: [],
  logger: process.env.BENCH_DEBUG ? stderrLogger('debug') : silentLogger,
});
webrtc.start();
const app = Fastify();
registerErrorHandler(app, silentLogger);
await app.register(whepRoutes, { live: new LiveViews(cameras), webrtc, prefix: '/api' });
const base = await app.listen({ host: '127.0.0.1', port: 0 });

let idle = 0;
try {
  for (const n of steps) {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(root, 'bench/webrtc-receivers.ts'),
        `${base}/api/live/cam/whep`,
        String(n),
        String(seconds),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let c0 = 0;
    let t0 = 0;
    let pct = 0;
    let result: Record<string, number> | null = null;
    let buffered = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      for (;;) {
        const nl = buffered.indexOf('\n');
        if (nl < 0) break;
        const line = JSON.parse(buffered.slice(0, nl)) as Record<string, number>;
        buffered = buffered.slice(nl + 1);
        if (line.measuring) {
          c0 = cpu();
          t0 = performance.now();
        } else {
          pct = ((cpu() - c0) / ((performance.now() - t0) / 1000)) * 100;
          result = line;
        }
      }
    });
    await new Promise((r) => child.once('exit', r));
    if (!result) throw new Error(`receivers for ${n} viewers gave no result`);
    const r = result as Record<string, number>;
    if (n === 0) {
      idle = pct;
      console.log(
        `0 viewers (the camera's pull alone): ${pct.toFixed(1)}% of one core, load ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`,
      );
      continue;
    }
    const perCore = n / (Math.max(pct - idle, 0.01) / 100);
    console.log(
      `${n} viewers: sender CPU ${pct.toFixed(1)}% of one core (${perCore.toFixed(0)} viewers/core above the pull), ` +
        `${ms(r.framesPerViewerPerSecond)} frames/s and ${ms(r.packetsPerViewerPerSecond)} RTP packets/s per viewer, lateness p50 ${ms(r.p50)} ms ` +
        `p99 ${ms(r.p99)} ms max ${ms(r.max)} ms, ${r.late} of ${r.frames} frames over 100 ms; ` +
        `sessions left ${webrtc.sessions}; camera ${cameras.health(id)?.fps ?? '-'} fps`,
    );
    await new Promise((r) => setTimeout(r, 1000));
  }
} finally {
  await app.close();
  await webrtc.close();
  await cameras.close();
  gst.kill('SIGKILL');
}
process.exit(0);
