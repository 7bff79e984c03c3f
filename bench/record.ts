/**
 * Bench (docs/recording.md): M concurrent recordings of a 1080p 4 Mbit/s H.264 RTSP stream, kadr into S3 against
 * the usual way, one `ffmpeg -rtsp_transport tcp -i URL -c copy -f segment` process per stream writing
 * to disk, both pulling the same source at the same time. Prints CPU seconds and RSS per stream for
 * each side, RSS over time (is kadr flat over a long run?), and the ratio.
 *
 * usage: node --import tsx bench/record.ts [--streams M] [--seconds S] [--segment S]
 * S3: the S3_* environment, or a throwaway Ceph radosgw started like the tests do.
 * The RTSP source is GStreamer's gst-rtsp-server serving a generated file (not measured).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { s3Service } from '../test/harness/services/s3.js';
import { kadrNodeFlags } from './compiled-cli.js';
import { startRtspSource } from '../test/integration/recorder/rtsp-source.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { streams: { type: 'string' }, seconds: { type: 'string' }, segment: { type: 'string' } },
});
const M = Number(values.streams ?? 4);
const SECONDS = Number(values.seconds ?? 60);
const SEGMENT = Number(values.segment ?? 60);
const CLK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const PAGE = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim());

/** A 1080p 25 fps H.264 file at 4 Mbit/s, long enough for the run (generated once, cached). */
function sourceFile(seconds: number): string {
  const file = path.join(root, '.cache', 'bench', `rec-1080p-4M-${seconds}s.mp4`);
  mkdirSync(path.dirname(file), { recursive: true });
  execFileSync('sh', [
    '-c',
    `test -f '${file}' || { ffmpeg -v error -y -f lavfi -i testsrc2=s=1920x1080:r=25 -t ${seconds} -c:v libx264 -preset ultrafast -b:v 4M -maxrate 4M -bufsize 8M -g 50 -bf 0 '${file}.tmp.mp4' && mv '${file}.tmp.mp4' '${file}'; }`,
  ]);
  return file;
}

/** utime+stime in seconds and RSS in MiB of one process, from /proc. */
function sample(pid: number): { cpuS: number; rssMiB: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(f[11]) + Number(f[12])) / CLK;
    const rssMiB = (Number(f[21]) * PAGE) / 2 ** 20;
    return { cpuS, rssMiB };
  } catch {
    return null;
  }
}

/** CPU seconds per thread name (threads of one name summed), from /proc/<pid>/task. */
function threadCpu(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      // The main (JS) thread has the process's id; libuv's pool and V8's helpers share the name 'node'.
      const name = Number(tid) === pid ? 'main' : comm === 'node' ? 'other node threads' : comm;
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12])) / CLK;
    }
  } catch {
    // the process is gone
  }
  return out;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) =>
    child.exitCode !== null ? resolve() : child.once('exit', () => resolve()),
  );
}

const t0 = Date.now();
process.stderr.write(`generating the ${SECONDS + 30} s 1080p source (cached)...\n`);
const file = sourceFile(SECONDS + 30);
const s3 = process.env.S3_ENDPOINT ? null : await s3Service.start();
const env = { ...process.env, ...(s3?.env ?? {}) };
const source = await startRtspSource({ cam: file });
const url = source.url('cam');
const work = mkdtempSync(path.join(os.tmpdir(), 'kadr-bench-rec-'));
const bucket = `kadr-bench-${Date.now().toString(36)}`;

const kadr = spawn(
  process.execPath,
  [
    ...kadrNodeFlags(),
    // KADR_BENCH_NODE_ARGS: extra node flags for the kadr process, e.g. '--cpu-prof --cpu-prof-dir=/tmp/p'.
    ...(process.env.KADR_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    '--import',
    'tsx',
    path.join(root, 'bench', 'record-kadr-worker.ts'),
    url,
    String(M),
    // KADR_BENCH_TO=DIR records to a local folder instead (what the S3 upload costs, by difference).
    process.env.KADR_BENCH_TO ?? `s3://${bucket}`,
    String(SEGMENT),
  ],
  // node-av's async readFrame blocks a libuv pool thread while it waits for the network: one per
  // stream, plus the default 4 for file and DNS work (docs/recording.md).
  { env: { ...env, UV_THREADPOOL_SIZE: String(M + 4) }, stdio: ['ignore', 'pipe', 'inherit'] },
);
let kadrOut = '';
kadr.stdout!.on('data', (d) => (kadrOut += d));
const ffmpegs = Array.from({ length: M }, (_, i) => {
  const dir = path.join(work, `ff${i}`);
  mkdirSync(dir);
  return spawn(
    'ffmpeg',
    [
      '-v',
      'error',
      '-rtsp_transport',
      'tcp',
      '-i',
      url,
      '-c',
      'copy',
      '-f',
      'segment',
      '-segment_time',
      String(SEGMENT),
      '-reset_timestamps',
      '1',
      path.join(dir, 'seg%05d.mp4'),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
});

const timeline: { t: number; kadrRss: number; ffmpegRss: number }[] = [];
let kadrLast = { cpuS: 0, rssMiB: 0 };
let ffLast = ffmpegs.map(() => ({ cpuS: 0, rssMiB: 0 }));
let kadrPeak = 0;
let ffPeak = 0;
const start = Date.now();
const warmupS = 5;
let kadrAtWarm = 0;
let ffAtWarm = 0;
while (Date.now() - start < SECONDS * 1000) {
  await sleep(1000);
  const k = sample(kadr.pid!);
  if (k) kadrLast = k;
  ffLast = ffmpegs.map((p, i) => sample(p.pid!) ?? ffLast[i]!);
  const ffRss = ffLast.reduce((n, s) => n + s.rssMiB, 0);
  kadrPeak = Math.max(kadrPeak, kadrLast.rssMiB);
  ffPeak = Math.max(ffPeak, ffRss);
  const t = Math.round((Date.now() - start) / 1000);
  if (t === warmupS) {
    kadrAtWarm = kadrLast.cpuS;
    ffAtWarm = ffLast.reduce((n, s) => n + s.cpuS, 0);
  }
  if (t % 10 === 0) timeline.push({ t, kadrRss: kadrLast.rssMiB, ffmpegRss: ffRss });
}
const kadrCpu = kadrLast.cpuS;
const kadrThreads = threadCpu(kadr.pid!);
const ffCpu = ffLast.reduce((n, s) => n + s.cpuS, 0);
kadr.kill('SIGTERM');
for (const p of ffmpegs) p.kill('SIGINT');
await Promise.all([exited(kadr), ...ffmpegs.map(exited)]);
await source.stop();
await s3?.stop();
rmSync(work, { recursive: true, force: true });

const measured = SECONDS - warmupS;
const per = (cpu: number) =>
  `${(cpu / M).toFixed(2)} s CPU per stream (${((100 * cpu) / M / SECONDS).toFixed(1)}% of a core)`;
console.log(
  `record bench: ${M} streams of 1080p25 H.264 4 Mbit/s over RTSP/TCP for ${SECONDS} s (segments ${SEGMENT} s)`,
);
console.log(
  `kadr   (1 process, into S3 ${s3 ? 'ceph radosgw, local' : env.S3_ENDPOINT}): ${per(kadrCpu)}; RSS ${kadrLast.rssMiB.toFixed(0)} MiB total, peak ${kadrPeak.toFixed(0)} MiB, ${(kadrPeak / M).toFixed(1)} MiB per stream`,
);
console.log(
  `ffmpeg (${M} processes, -c copy -f segment to disk): ${per(ffCpu)}; RSS ${ffLast.reduce((n, s) => n + s.rssMiB, 0).toFixed(0)} MiB total, peak ${ffPeak.toFixed(0)} MiB, ${(ffPeak / M).toFixed(1)} MiB per stream`,
);
console.log(
  `CPU after the first ${warmupS} s (steady state, ${measured} s): kadr ${((kadrCpu - kadrAtWarm) / M).toFixed(2)} s/stream, ffmpeg ${((ffCpu - ffAtWarm) / M).toFixed(2)} s/stream`,
);
console.log(`ratio kadr/ffmpeg CPU: ${(kadrCpu / ffCpu).toFixed(2)} (below 1: kadr uses less)`);
console.log(
  `RSS over time (MiB): ${timeline.map((s) => `t=${s.t}s kadr ${s.kadrRss.toFixed(0)} ffmpeg ${s.ffmpegRss.toFixed(0)}`).join('; ')}`,
);
console.log(
  `kadr CPU by thread (s): ${Object.entries(kadrThreads)
    .sort((a, b) => b[1] - a[1])
    .map(([name, s]) => `${name} ${s.toFixed(2)}`)
    .join(', ')}`,
);
console.log(`kadr worker result: ${kadrOut.trim()}`);
console.log(`wall ${(Date.now() - t0) / 1000} s`);
