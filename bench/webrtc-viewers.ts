/**
 * WebRTC viewers per core for the original quality: one 1080p H.264 camera (gst-rtsp-server serving
 * a 1080p 25 fps 4 Mbit/s file at its own pace, test/integration/recorder/gst-rtsp-server.py) pulled
 * once by LiveCameras and sent to N viewers by one of two senders:
 *  - `kadr` (default): kadr's WebRTC server (src/webrtc, libdatachannel, one UDP port) behind its WHEP
 *    routes on Fastify;
 *  - `werift`: the bench-only werift 0.24 sender (bench/webrtc-werift-sender.ts) on the same lease.
 * The viewers are receivers in a child process (bench/webrtc-receivers.ts; their CPU is reported
 * apart, not counted). For each N: this process's CPU (user + system, % of one core) over the
 * window, its resident memory, the complete frames each viewer got per second (the camera sends 25),
 * frames with a missing packet, and two lateness measures of complete frames:
 *  - delay: from the moment the frame reached the sender (a lease of this process on the same live
 *    view, read as the sender's are) to the arrival of its last packet at the viewer, wallclock in
 *    both processes: what sending adds, whatever the camera's own pace (p50/p99/max, over LATE_MS);
 *  - jitter: arrival against the frame's RTP timestamp, above the earliest of that viewer, as a
 *    player's jitter buffer sees it; it includes the camera's own (shown on the step-0 line).
 * Step 0 is the camera's pull alone; viewers per core = N / ((CPU - CPU at 0) / 100), and the step
 * where frames start to be late is the limit.
 *
 * usage: node --import tsx bench/webrtc-viewers.ts [steps=0,1,10,25,50,100] [seconds=10] [kadr|werift]
 *   JOIN_BATCH=n: viewers join n at a time (10 by default; the numbers in docs/live-view.md use 1)
 *   RX_STACK=libdatachannel: libdatachannel viewers (cheaper; docs/live-view.md's numbers), else werift
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { registerErrorHandler } from '../src/api/errors.js';
import { whepRoutes } from '../src/api/whep.routes.js';
import { silentLogger, stderrLogger } from '../src/core/logger.js';
import { LiveCameras, LiveViews } from '../src/streams/index.js';
import { WebRtcServer } from '../src/webrtc/index.js';
import { rtpTimestampOf } from '../src/webrtc/viewer.js';
import { freePort } from '../test/integration/recorder/rtsp-source.js';
import { WeriftWhepSender } from './webrtc-werift-sender.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const steps = (process.argv[2] ?? '0,1,10,25,50,100').split(',').map(Number);
const seconds = Number(process.argv[3] ?? 10);
const sender = process.argv[4] ?? 'kadr';
if (sender !== 'kadr' && sender !== 'werift') throw new Error(`sender must be kadr or werift, got ${sender}`);

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

const LATE_MS = 100;

/** UDP datagrams the kernel dropped for a full receive buffer, machine-wide (/proc/net/snmp). */
function udpRcvbufErrors(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Udp:'));
  const names = lines[0]!.split(/\s+/);
  return Number(lines[1]!.split(/\s+/)[names.indexOf('RcvbufErrors')]);
}

/** Wallclock arrival of each unit of the live view at this process, by 32-bit RTP timestamp. */
const ingress = new Map<number, number>();
let stopped = false;
async function recordIngress(live: LiveViews): Promise<void> {
  // The clip ends after 90 s and the camera is pulled again: the lease ends and is taken again.
  while (!stopped) {
    const lease = live.acquire('cam', 'original', 'bench ingress');
    for (;;) {
      const item = await lease.subscription.next();
      if (!item || stopped) break;
      if (item.kind !== 'unit') continue;
      const ts = rtpTimestampOf(item.unit);
      if (!ingress.has(ts)) ingress.set(ts, performance.timeOrigin + performance.now());
    }
    lease.close();
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The camera's own jitter as it reaches kadr: arrival against RTP time, above the earliest. */
function ingressJitter(from: number, to: number): number[] {
  const offsets: number[] = [];
  for (const [ts, at] of ingress) if (at >= from && at <= to) offsets.push(at - ts / 90);
  const base = Math.min(...offsets);
  return offsets.map((o) => o - base).sort((a, b) => a - b);
}

const quantile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

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
const live = new LiveViews(cameras);
const werift = new WeriftWhepSender(live);
void recordIngress(live);
const app = Fastify();
registerErrorHandler(app, silentLogger);
if (sender === 'kadr') await app.register(whepRoutes, { live, webrtc, prefix: '/api' });
else werift.routes(app);
const base = await app.listen({ host: '127.0.0.1', port: 0 });

interface Result {
  viewers: number;
  frames: number;
  silent: number;
  broken: number;
  packetsPerViewerPerSecond: number;
  framesPerViewerPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  late: number;
  receiverCpu: number;
  /** Per viewer: [32-bit RTP timestamp, arrival ms since the epoch, ...]. */
  arrivals: number[][];
}

let idle = 0;
try {
  for (const n of steps) {
    // The clip restarts (new RTP timestamps) when it ends: match within this step only.
    ingress.clear();
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
    let w0 = 0;
    let w1 = 0;
    let drops0 = 0;
    let drops = 0;
    let pct = 0;
    let rssMiB = 0;
    let result: Result | null = null;
    let buffered = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      for (;;) {
        const nl = buffered.indexOf('\n');
        if (nl < 0) break;
        const line = JSON.parse(buffered.slice(0, nl)) as Result & { measuring?: boolean };
        buffered = buffered.slice(nl + 1);
        if (line.measuring) {
          c0 = cpu();
          t0 = performance.now();
          w0 = performance.timeOrigin + t0;
          drops0 = udpRcvbufErrors();
        } else {
          pct = ((cpu() - c0) / ((performance.now() - t0) / 1000)) * 100;
          rssMiB = process.memoryUsage().rss / 2 ** 20;
          w1 = performance.timeOrigin + performance.now();
          drops = udpRcvbufErrors() - drops0;
          result = line;
        }
      }
    });
    await new Promise((r) => child.once('exit', r));
    if (!result) throw new Error(`receivers for ${n} viewers gave no result`);
    const r = result as Result;
    if (n === 0) {
      idle = pct;
      const j = ingressJitter(w0, w1);
      console.log(
        `0 viewers (the camera's pull alone): ${pct.toFixed(1)}% of one core, RSS ${rssMiB.toFixed(0)} MiB; ` +
          `the camera's jitter at kadr p50 ${ms(quantile(j, 0.5))} ms p99 ${ms(quantile(j, 0.99))} ms max ${ms(j.at(-1))} ms; ` +
          `load ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`,
      );
      continue;
    }
    const delays: number[] = [];
    let unmatched = 0;
    for (const a of r.arrivals) {
      for (let i = 0; i < a.length; i += 2) {
        const at = ingress.get(a[i]!);
        if (at === undefined) unmatched++;
        else delays.push(a[i + 1]! - at);
      }
    }
    delays.sort((x, y) => x - y);
    const lateDelays = delays.filter((d) => d > LATE_MS).length;
    const perCore = n / (Math.max(pct - idle, 0.01) / 100);
    const ports = sender === 'werift' ? new Set(werift.ports.slice(-n)).size : 1;
    console.log(
      `${sender} ${n} viewers: sender CPU ${pct.toFixed(1)}% of one core (${perCore.toFixed(0)} viewers/core above the pull), ` +
        `RSS ${rssMiB.toFixed(0)} MiB, ${ports} UDP port(s); per viewer ${ms(r.framesPerViewerPerSecond)} complete frames/s ` +
        `and ${ms(r.packetsPerViewerPerSecond)} RTP packets/s, ${r.broken} frames with a hole, ${r.silent} viewers without a frame, ` +
        `${drops} UDP datagrams dropped by the kernel (machine-wide); ` +
        `delay p50 ${ms(quantile(delays, 0.5))} ms p99 ${ms(quantile(delays, 0.99))} ms max ${ms(delays.at(-1))} ms, ` +
        `${lateDelays} of ${delays.length} frames over ${LATE_MS} ms${unmatched ? ` (${unmatched} unmatched)` : ''}; ` +
        `jitter p50 ${ms(r.p50)} ms p99 ${ms(r.p99)} ms max ${ms(r.max)} ms, ${r.late} over ${LATE_MS} ms; ` +
        `receivers' CPU ${ms(r.receiverCpu)}%; load ${os.loadavg()[0]!.toFixed(1)}; camera ${cameras.health(id)?.fps?.toFixed(1) ?? '-'} fps`,
    );
    await new Promise((r) => setTimeout(r, 1000));
  }
} finally {
  stopped = true;
  await app.close();
  await werift.close();
  await webrtc.close();
  await cameras.close();
  gst.kill('SIGKILL');
}
process.exit(0);
