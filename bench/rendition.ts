/**
 * CPU of one shared 480p rendition of a 1080p camera, kadr against ffmpeg doing the same work with the
 * same settings, side by side in one run. The camera is gst-rtsp-server serving a 1080p H.264 file at
 * its own pace (test/integration/recorder/gst-rtsp-server.py, 25 frames/s, 4 Mbit/s, a keyframe every 2 s).
 *
 *  - kadr: LiveCameras pulls the camera, LiveViews makes the 480p rendition (decode, scale, x264) for
 *    one viewer; this process's CPU (user + system, every thread) over the window. Also the pull alone
 *    (an "original" viewer, no rendition), to show what the rendition itself costs, beside ffmpeg's
 *    pull alone (`-c copy -f null`) over the same window.
 *  - ffmpeg: `ffmpeg -rtsp_transport tcp -i <camera> -vf scale=-2:480 -c:v libx264` with the
 *    rendition's settings (preset, tune, CRF, VBV ceiling, no B-frames, keyframes at the source's and
 *    no scene cuts) `-f null -`; its CPU from /proc/<pid>/stat.
 * Both pull the camera over RTSP/TCP, decode 1080p, scale to 480p and encode, at the same time, and
 * are measured over the same windows (`rounds` of `seconds` each): on a machine shared with other
 * work, both see the same load. The ratio is kadr's CPU over ffmpeg's (below 1: kadr is the more
 * efficient), per window and over all of them; the load average is printed beside.
 *
 * usage: node --import tsx bench/rendition.ts [seconds=20] [rounds=3]
 */
import { execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LiveCameras, LiveViews, RENDITION_CRF, renditionMaxRateBps } from '../src/streams/index.js';
import { freePort } from '../test/integration/recorder/rtsp-source.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const seconds = Number(process.argv[2] ?? 20);
const rounds = Number(process.argv[3] ?? 3);
const WARMUP_MS = 4000;
const PRESET = 'veryfast';
const HEIGHT = 480;
const clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** utime + stime of a process, in seconds. */
function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clkTck;
}

/** CPU seconds of each thread of a process, by thread id, with its name (the main thread named apart). */
function threadCpuSeconds(pid: number): Map<string, { name: string; s: number }> {
  const out = new Map<string, { name: string; s: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    // The main thread (JS and the event loop, or ffmpeg's own loop) apart from the worker threads.
    const name = tid === String(pid) ? `${comm} main` : `${comm} other`;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(tid, { name, s: (Number(fields[11]) + Number(fields[12])) / clkTck });
  }
  return out;
}

/**
 * Where the time went between two samples: each name's share of one core and how many of its threads
 * used at least 0.5% of one (the codec threads at work), largest first.
 */
function threadShares(
  a: Map<string, { name: string; s: number }>,
  b: Map<string, { name: string; s: number }>,
  wallS: number,
): string {
  const byName = new Map<string, { pct: number; busy: number }>();
  for (const [tid, t] of b) {
    const pct = ((t.s - (a.get(tid)?.s ?? 0)) / wallS) * 100;
    const g = byName.get(t.name) ?? { pct: 0, busy: 0 };
    g.pct += pct;
    if (pct >= 0.5) g.busy++;
    byName.set(t.name, g);
  }
  return [...byName]
    .sort((x, y) => y[1].pct - x[1].pct)
    .map(([name, g]) => `${name} ${g.pct.toFixed(1)}% (${g.busy} busy)`)
    .join(', ');
}

async function window(cpu: () => number): Promise<{ pct: number; wallS: number }> {
  const c0 = cpu();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const wallS = (performance.now() - t0) / 1000;
  return { pct: ((cpu() - c0) / wallS) * 100, wallS };
}

const clip = makeClip();
const port = await freePort();
const gst = spawn(
  '/usr/bin/python3',
  [path.join(root, 'test/integration/recorder/gst-rtsp-server.py'), String(port), `cam=${clip}`],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
await new Promise((r) => gst.stdout!.once('data', r));
const url = `rtsp://127.0.0.1:${port}/cam`;
const maxRate = renditionMaxRateBps(HEIGHT);
const cameras = new LiveCameras();
const views = new LiveViews(cameras, { ladder: [HEIGHT], preset: PRESET, renditionLingerMs: 0 });
try {
  const id = 'bench';
  cameras.put({ id, name: 'cam', url, transport: 'tcp', onDemand: true });

  // The pull alone: one viewer of the original.
  const original = views.acquire('cam', 'original', 'bench');
  void (async () => {
    for await (const _ of original.subscription);
  })();
  while (cameras.health(id)?.state !== 'live') await sleep(100);
  await sleep(WARMUP_MS);
  const h = cameras.health(id)!;
  console.log(
    `camera: ${h.codec} ${h.width}x${h.height}, ${h.fps?.toFixed(2)} fps, ${((h.bitrateBps ?? 0) / 1e6).toFixed(2)} Mbit/s`,
  );
  // Beside it, ffmpeg's pull alone: the same RTSP/TCP session, packets copied to nowhere.
  const pullArgs = ['-hide_banner', '-nostats', '-v', 'error', '-rtsp_transport', 'tcp', '-i', url];
  const ffPull = spawn('ffmpeg', [...pullArgs, '-c', 'copy', '-f', 'null', '-'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await sleep(WARMUP_MS);
  const ffPull0 = procCpuSeconds(ffPull.pid!);
  const pull = await window(ownCpuSeconds);
  const ffPullPct = ((procCpuSeconds(ffPull.pid!) - ffPull0) / pull.wallS) * 100;
  ffPull.kill('SIGKILL');

  // ffmpeg, same camera, same settings, running beside kadr's rendition from here on.
  const args = [
    ...['-hide_banner', '-nostats', '-v', 'error', '-rtsp_transport', 'tcp', '-i', url],
    ...['-vf', `scale=-2:${HEIGHT}`, '-c:v', 'libx264', '-preset', PRESET, '-tune', 'zerolatency'],
    ...['-crf', String(RENDITION_CRF), '-maxrate', String(maxRate), '-bufsize', String(maxRate)],
    ...['-bf', '0', '-g', '300', '-sc_threshold', '0', '-forced-idr', '1', '-force_key_frames', 'source'],
    ...['-progress', 'pipe:1', '-f', 'null', '-'],
  ];
  const ff = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let ffFrames = 0;
  ff.stdout!.on('data', (d: Buffer) => {
    const m = /frame=(\d+)\n(?![\s\S]*frame=)/.exec(d.toString());
    if (m) ffFrames = Number(m[1]);
  });

  // The 480p rendition, one viewer; the original's viewer leaves (the rendition holds the camera).
  const lease = views.acquire('cam', `${HEIGHT}p`, 'bench');
  original.close();
  let pictures = 0;
  let bytes = 0;
  void (async () => {
    for await (const u of lease.subscription) {
      pictures++;
      bytes += u.data.length;
    }
  })();
  await sleep(WARMUP_MS);
  console.log(
    `windows: ${rounds} x ${seconds} s, kadr and ffmpeg at the same time, after ${WARMUP_MS / 1000} s warm-up; ${PRESET}/zerolatency, CRF ${RENDITION_CRF}, max ${maxRate / 1000} kbit/s`,
  );
  console.log(
    `pull alone (before, same window): kadr (one original viewer) ${pull.pct.toFixed(1)}% of one core, ` +
      `ffmpeg (-c copy -f null) ${ffPullPct.toFixed(1)}%`,
  );
  console.log(
    '| window | load avg | kadr pull + 480p rendition | pictures/s | ffmpeg | frames/s | ratio kadr / ffmpeg |',
  );
  console.log('|---|---|---|---|---|---|---|');
  let kadrCpu = 0;
  let ffCpu = 0;
  let bits = 0;
  let wallTotal = 0;
  const kThreads0 = threadCpuSeconds(process.pid);
  const fThreads0 = threadCpuSeconds(ff.pid!);
  for (let r = 1; r <= rounds; r++) {
    const k0 = ownCpuSeconds();
    const f0 = procCpuSeconds(ff.pid!);
    const p0 = pictures;
    const b0 = bytes;
    const n0 = ffFrames;
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const wallS = (performance.now() - t0) / 1000;
    const k = ownCpuSeconds() - k0;
    const f = procCpuSeconds(ff.pid!) - f0;
    kadrCpu += k;
    ffCpu += f;
    bits += (bytes - b0) * 8;
    wallTotal += wallS;
    console.log(
      `| ${r} | ${os.loadavg()[0]!.toFixed(1)} | ${((k / wallS) * 100).toFixed(1)}% | ${((pictures - p0) / wallS).toFixed(2)} | ` +
        `${((f / wallS) * 100).toFixed(1)}% | ${((ffFrames - n0) / wallS).toFixed(2)} | ${(k / f).toFixed(2)} |`,
    );
  }
  console.log(`kadr by thread: ${threadShares(kThreads0, threadCpuSeconds(process.pid), wallTotal)}`);
  console.log(`ffmpeg by thread: ${threadShares(fThreads0, threadCpuSeconds(ff.pid!), wallTotal)}`);
  ff.kill('SIGKILL');
  const dropped = views.runningRenditions()[0]?.droppedUnits ?? 0;
  const size = lease.stream()?.info;
  lease.close();
  console.log(
    `kadr: ${size?.width}x${size?.height}, ${(bits / wallTotal / 1000).toFixed(0)} kbit/s, ${dropped} source frames dropped`,
  );
  console.log(
    `all windows: kadr ${((kadrCpu / wallTotal) * 100).toFixed(1)}% of one core, ffmpeg ${((ffCpu / wallTotal) * 100).toFixed(1)}%; ` +
      `ratio kadr / ffmpeg: ${(kadrCpu / ffCpu).toFixed(2)} (below 1: kadr uses less CPU)`,
  );
} finally {
  await views.close();
  await cameras.close();
  gst.kill('SIGKILL');
}
