/**
 * Bench (docs/live-cameras.md): M cameras (1080p25 H.264 at 4 Mbit/s), each restreamed to 2 RTSP
 * viewers and recorded in segments, kadr against the do-it-yourself stack, both at once on the same
 * cameras and the same kind of viewers, so that the load the machine is under falls on both alike.
 *
 *  - kadr: one `kadr serve` (the compiled CLI) with the M cameras added through the API, recording on
 *    (into S3: the S3_* environment, or a throwaway Ceph radosgw started as the tests do), 2 viewers
 *    per camera on the camera's `rtspUrl`. PostgreSQL is the test harness's (a process of its own,
 *    not counted: printed beside).
 *  - DIY: GStreamer's gst-rtsp-server relaying every camera (bench/rtsp-gst-relay.py, one process,
 *    one shared `rtspsrc ! rtph264depay ! rtph264pay` per camera), 2 viewers per camera on it, and one
 *    `ffmpeg -rtsp_transport tcp -i <camera> -c copy -f segment` per camera writing to local disk.
 *
 * Not counted: the cameras (one `kadr rtsp-serve --loop` of a pre-encoded file, generated once into
 * .cache/bench) and the viewers (one `gst-launch-1.0` per side, a `rtspsrc ! fakesink` per viewer).
 * Counted: CPU (utime + stime from /proc/<pid>/stat, each process with its descendants) of the
 * server processes only, after a warm-up; RSS over the run.
 *
 * usage: node --import tsx bench/cameras.ts [--cameras M] [--minutes N] [--segment S]
 *   defaults: 4 cameras, 1 minute, 2 s segments (both sides)
 *   KADR_BENCH_NODE_ARGS: extra node flags for kadr (e.g. --trace-gc, --cpu-prof); KADR_BENCH_LOG: a
 *   file that gets kadr's standard output (where --trace-gc writes).
 * kadr runs with the node flags of bin/kadr.js's first line, as `npx kadr` and `npm start` do.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { postgresService } from '../test/harness/services/postgres.js';
import { s3Service } from '../test/harness/services/s3.js';
import { freePort } from '../test/integration/recorder/rtsp-source.js';
import { compiledCli, kadrNodeFlags } from './compiled-cli.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    cameras: { type: 'string' },
    minutes: { type: 'string' },
    segment: { type: 'string' },
    record: { type: 'string' },
  },
});
const M = Number(values.cameras ?? 4);
const SECONDS = Math.round(Number(values.minutes ?? 1) * 60);
const SEGMENT = Number(values.segment ?? 2);
/** --record off: restream only on both sides (what the recording costs, by difference). */
const RECORD = values.record !== 'off';
const WARMUP_S = 15;
/** RSS samples: about 12 over the run. */
const SAMPLE_EVERY_S = Math.max(5, Math.round(SECONDS / 12 / 5) * 5);
const CLK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const PAGE = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim());

/** A 60 s 1080p25 H.264 file at 4 Mbit/s, 2 s GOP, no B-frames (generated once, cached). */
function cameraFile(): string {
  const file = path.join(root, '.cache', 'bench', 'camera-1080p25-4M-60s.mp4');
  mkdirSync(path.dirname(file), { recursive: true });
  execFileSync('sh', [
    '-c',
    `test -f '${file}' || { ffmpeg -v error -y -f lavfi -i testsrc2=s=1920x1080:r=25,noise=alls=8:allf=t -t 60 -c:v libx264 -preset veryfast -b:v 4M -maxrate 4M -bufsize 4M -g 50 -bf 0 -pix_fmt yuv420p '${file}.tmp.mp4' && mv '${file}.tmp.mp4' '${file}'; }`,
  ]);
  return file;
}

interface ProcStat {
  ppid: number;
  /** utime + stime + cutime + cstime, seconds. */
  cpuS: number;
  /** stime + cstime: the part spent in the kernel (sockets, files) for the process. */
  sysS: number;
  rssMiB: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(f[1]),
      cpuS: (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLK,
      sysS: (Number(f[12]) + Number(f[14])) / CLK,
      rssMiB: (Number(f[21]) * PAGE) / 2 ** 20,
    };
  } catch {
    return null;
  }
}

/** CPU seconds and RSS of processes `roots` and every live descendant of theirs. */
function treeSample(roots: number[]): { cpuS: number; sysS: number; rssMiB: number } {
  const all = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) all.set(Number(name), s);
  }
  const inTree = new Set(roots.filter((p) => all.has(p)));
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, s] of all) {
      if (!inTree.has(pid) && inTree.has(s.ppid)) {
        inTree.add(pid);
        grew = true;
      }
    }
  }
  let cpuS = 0;
  let sysS = 0;
  let rssMiB = 0;
  for (const pid of inTree) {
    cpuS += all.get(pid)!.cpuS;
    sysS += all.get(pid)!.sysS;
    rssMiB += all.get(pid)!.rssMiB;
  }
  return { cpuS, sysS, rssMiB };
}

/** CPU seconds per thread name of one process (threads of one name summed). */
function threadCpu(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const name = Number(tid) === pid ? 'main' : comm;
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12])) / CLK;
    }
  } catch {
    // the process is gone
  }
  return out;
}

/** Bytes received so far by the TCP connections to local port `port` (the viewers of one side), from `ss`. */
function bytesRead(port: number): number {
  const out = execFileSync('ss', ['-tinH', 'dst', `127.0.0.1:${port}`], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  let total = 0;
  for (const m of out.matchAll(/bytes_received:(\d+)/g)) total += Number(m[1]);
  return total;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );
}

/** Spawns and resolves once `ready` shows up on stdout or stderr; the match's first group, if any. */
async function startProcess(
  cmd: string,
  args: string[],
  ready: RegExp,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ proc: ChildProcess; match: string }> {
  const proc = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let seen = '';
  const match = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} not ready in 60 s:\n${seen}`)), 60_000);
    const onData = (d: Buffer) => {
      if (seen.length < 100_000) seen += d.toString();
      const m = ready.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] ?? '');
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited with ${code}:\n${seen}`));
    });
  });
  proc.removeAllListeners('exit');
  // The server's output from here on (the readiness line is in `seen`).
  if (process.env.KADR_BENCH_LOG && cmd === process.execPath && args.includes('serve')) {
    proc.stdout!.pipe(createWriteStream(process.env.KADR_BENCH_LOG));
  }
  return { proc, match };
}

/** One gst-launch-1.0 holding a `rtspsrc protocols=tcp ! fakesink` per URL: the viewers of one side. */
function viewers(urls: string[]): ChildProcess {
  const args = ['-q'];
  for (const url of urls)
    args.push('rtspsrc', `location=${url}`, 'protocols=tcp', '!', 'fakesink', 'sync=false');
  return spawn('gst-launch-1.0', args, { stdio: 'ignore' });
}

const t0 = Date.now();
process.stderr.write('the camera file (generated once into .cache/bench)...\n');
const file = cameraFile();
const cli = compiledCli();
const work = mkdtempSync(path.join(os.tmpdir(), 'kadr-bench-cameras-'));
const names = Array.from({ length: M }, (_, i) => `cam${i}`);
for (const n of names) symlinkSync(file, path.join(work, `${n}.mp4`));
const children: ChildProcess[] = [];
const gentle = new Set<ChildProcess>();
const services: { stop(): Promise<void> }[] = [];
const token = Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);

try {
  const s3 = process.env.S3_ENDPOINT ? null : await s3Service.start();
  if (s3) services.push(s3);
  const pg = process.env.DATABASE_URL ? null : await postgresService.start();
  if (pg) services.push(pg);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...(s3?.env ?? {}),
    ...(pg?.env ?? {}),
    S3_BUCKET: `kadr-bench-cam-${Date.now().toString(36)}`,
  };

  const cameraPort = await freePort();
  const cameras = await startProcess(
    process.execPath,
    [
      cli,
      'rtsp-serve',
      '--port',
      String(cameraPort),
      '--loop',
      ...names.map((n) => path.join(work, `${n}.mp4`)),
    ],
    /listening/,
  );
  children.push(cameras.proc);
  const cameraUrl = (n: string) => `rtsp://127.0.0.1:${cameraPort}/${n}`;

  // kadr
  const kadr = await startProcess(
    process.execPath,
    [
      // KADR_BENCH_NODE_ARGS: extra node flags for kadr, e.g. '--cpu-prof --cpu-prof-dir=/tmp/p'.
      ...kadrNodeFlags(),
      ...(process.env.KADR_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      cli,
      'serve',
      '--port', '0', '--rtsp-port', '0', '--concurrency', '0', '--data', path.join(work, 'kadr'),
    ], // prettier-ignore
    /listening on (http:\/\/[0-9.:]+)/,
    { ...env, KADR_API_TOKEN: token, KADR_CAMERA_SEGMENT_SECONDS: String(SEGMENT) },
  );
  children.push(kadr.proc);
  gentle.add(kadr.proc);
  const api = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${kadr.match}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const ids: string[] = [];
  const restreams: string[] = [];
  for (const n of names) {
    const cam = await api('POST', '/api/cameras', {
      name: n,
      url: cameraUrl(n),
      transport: 'tcp',
      record: RECORD,
    });
    ids.push(cam.id as string);
    restreams.push(cam.rtspUrl as string);
  }
  for (const id of ids) {
    for (let i = 0; (await api('GET', `/api/cameras/${id}`)).state !== 'live'; i++) {
      if (i > 100) throw new Error(`camera ${id} does not go live`);
      await sleep(200);
    }
  }

  // DIY
  const relayPort = await freePort();
  const relay = await startProcess(
    '/usr/bin/python3',
    [
      path.join(root, 'bench', 'rtsp-gst-relay.py'),
      String(relayPort),
      ...names.map((n) => `${n}=${cameraUrl(n)}`),
    ],
    /ready/,
  );
  children.push(relay.proc);
  const recorders = (RECORD ? names : []).map((n) => {
    const dir = path.join(work, 'diy', n);
    mkdirSync(dir, { recursive: true });
    const p = spawn(
      'ffmpeg',
      [
        '-v', 'error', '-rtsp_transport', 'tcp', '-i', cameraUrl(n), '-c', 'copy',
        '-f', 'segment', '-segment_time', String(SEGMENT), '-reset_timestamps', '1', path.join(dir, 'out%05d.mp4'),
      ], // prettier-ignore
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    children.push(p);
    gentle.add(p);
    return p;
  });

  const viewerUrls = (list: string[]) => list.flatMap((u) => [u, u]);
  const kadrViewers = viewers(viewerUrls(restreams));
  const diyViewers = viewers(viewerUrls(names.map((n) => `rtsp://127.0.0.1:${relayPort}/${n}`)));
  children.push(kadrViewers, diyViewers);
  const kadrRtspPort = Number(new URL(restreams[0]!).port);

  const kadrPids = [kadr.proc.pid!];
  const diyPids = [relay.proc.pid!, ...recorders.map((p) => p.pid!)];
  const pgPid = () => {
    try {
      const out = execFileSync('pgrep', ['-o', '-f', `postgres.*${new URL(env.DATABASE_URL!).port}`], {
        encoding: 'utf8',
      });
      return [Number(out.trim())];
    } catch {
      return [];
    }
  };
  const pgPids = pgPid();
  const start = Date.now();
  let received = { kadr: 0, diy: 0 };
  let warm: {
    kadr: number;
    diy: number;
    kadrSys: number;
    diySys: number;
    pg: number;
    at: number;
    threads: Record<string, number>;
  } | null = null;
  const rss: { t: number; kadr: number; diy: number }[] = [];
  let kadrRssPeak = 0;
  let diyRssPeak = 0;
  let last = { kadr: treeSample(kadrPids), diy: treeSample(diyPids), pg: treeSample(pgPids) };
  while (Date.now() - start < SECONDS * 1000) {
    await sleep(1000);
    last = { kadr: treeSample(kadrPids), diy: treeSample(diyPids), pg: treeSample(pgPids) };
    const t = Math.round((Date.now() - start) / 1000);
    if (!warm && t >= WARMUP_S) {
      warm = {
        kadr: last.kadr.cpuS,
        diy: last.diy.cpuS,
        kadrSys: last.kadr.sysS,
        diySys: last.diy.sysS,
        pg: last.pg.cpuS,
        at: Date.now(),
        threads: threadCpu(kadr.proc.pid!),
      };
      received = { kadr: bytesRead(kadrRtspPort), diy: bytesRead(relayPort) };
    }
    if (warm) {
      kadrRssPeak = Math.max(kadrRssPeak, last.kadr.rssMiB);
      diyRssPeak = Math.max(diyRssPeak, last.diy.rssMiB);
    }
    if (t % SAMPLE_EVERY_S === 0) rss.push({ t, kadr: last.kadr.rssMiB, diy: last.diy.rssMiB });
  }
  const measuredS = (Date.now() - warm!.at) / 1000;
  const pct = (cpuS: number) => (100 * cpuS) / M / measuredS;
  const kadrPct = pct(last.kadr.cpuS - warm!.kadr);
  const diyPct = pct(last.diy.cpuS - warm!.diy);
  const kadrSysPct = pct(last.kadr.sysS - warm!.kadrSys);
  const diySysPct = pct(last.diy.sysS - warm!.diySys);
  const threads = threadCpu(kadr.proc.pid!);
  for (const [name, s] of Object.entries(warm!.threads)) threads[name] = (threads[name] ?? 0) - s;
  const viewerMbps = (port: number, from: number) =>
    ((bytesRead(port) - from) * 8) / 1e6 / measuredS / (2 * M);
  const kadrViewerMbps = viewerMbps(kadrRtspPort, received.kadr);
  const diyViewerMbps = viewerMbps(relayPort, received.diy);

  // What each side did: kadr's segments and viewers per camera, the DIY recorders' files.
  let kadrSegments = 0;
  const health: string[] = [];
  const from = new Date(start - 120_000).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();
  for (const id of ids) {
    const list = await api('GET', `/api/cameras/${id}/recordings?from=${from}&to=${to}`);
    kadrSegments += (list.segments as unknown[]).length;
    const cam = await api('GET', `/api/cameras/${id}`);
    const h = cam.health as { fps: number | null; bitrateBps: number | null; skippedUnits: number };
    health.push(
      `${(h.fps ?? 0).toFixed(1)} fps ${((h.bitrateBps ?? 0) / 1e6).toFixed(2)} Mbit/s ${h.skippedUnits} skipped`,
    );
  }
  const diySegments = recorders.reduce(
    (n, _, i) => n + readdirSync(path.join(work, 'diy', names[i]!)).length,
    0,
  );

  console.log(
    `cameras bench: ${M} cameras 1080p25 H.264 4 Mbit/s, 2 RTSP viewers each, ${RECORD ? `recorded in ${SEGMENT} s segments` : 'not recorded'}, ` +
      `${SECONDS} s (CPU after ${WARMUP_S} s of warm-up, over ${measuredS.toFixed(0)} s)`,
  );
  console.log(
    `kadr (1 serve process, into S3 ${s3 ? 'ceph radosgw, local' : env.S3_ENDPOINT}): ${kadrPct.toFixed(1)}% of a core per camera (system ${kadrSysPct.toFixed(1)}%); ` +
      `RSS peak ${kadrRssPeak.toFixed(0)} MiB (${(kadrRssPeak / M).toFixed(1)} MiB per camera); ${kadrSegments} segments; viewers received ${kadrViewerMbps.toFixed(2)} Mbit/s each`,
  );
  console.log(
    `DIY  (gst-rtsp-server relay + ${recorders.length} ffmpeg -c copy -f segment to disk): ${diyPct.toFixed(1)}% of a core per camera (system ${diySysPct.toFixed(1)}%); ` +
      `RSS peak ${diyRssPeak.toFixed(0)} MiB (${(diyRssPeak / M).toFixed(1)} MiB per camera); ${diySegments} segment files; viewers received ${diyViewerMbps.toFixed(2)} Mbit/s each`,
  );
  console.log(`ratio kadr/DIY CPU per camera: ${(kadrPct / diyPct).toFixed(2)} (goal: at most 0.8)`);
  console.log(`kadr's cameras: ${health.join('; ')}`);
  console.log(
    `PostgreSQL beside kadr (not counted): ${pct(last.pg.cpuS - warm!.pg).toFixed(1)}% of a core per camera`,
  );
  console.log(
    `RSS over time (MiB): ${rss.map((s) => `t=${s.t}s kadr ${s.kadr.toFixed(0)} DIY ${s.diy.toFixed(0)}`).join('; ')}`,
  );
  console.log(
    `kadr CPU by thread (s, after warm-up): ${Object.entries(threads)
      .sort((a, b) => b[1] - a[1])
      .map(([name, s]) => `${name} ${s.toFixed(1)}`)
      .join(', ')}`,
  );
} finally {
  // kadr and the ffmpeg recorders stop cleanly (kadr writes a --cpu-prof profile then); the rest is killed.
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill(gentle.has(c) ? 'SIGTERM' : 'SIGKILL');
  }
  await Promise.all(children.map(exited));
  for (const s of services.reverse()) await s.stop().catch(() => {});
  rmSync(work, { recursive: true, force: true });
  console.log(`wall ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
