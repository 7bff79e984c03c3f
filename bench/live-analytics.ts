/**
 * Bench (docs/live-analytics.md): cameras per core with person detection at 5 analysed frames a second,
 * kadr against the pile of scripts a user would write instead, both at once on the same camera source.
 *
 *  - kadr: one `kadr serve` (the compiled CLI), M cameras added through the API, no recording, analytics
 *    `{"detect": ["persons"], "fps": 5}` attached: the server pulls each camera and a child process per
 *    camera decodes it and runs YOLOX-nano (onnxruntime, one thread).
 *  - Peer: per camera, `ffmpeg -rtsp_transport tcp -threads 1 -i <camera> -vf fps=5,scale=W:H -pix_fmt bgr24
 *    -f rawvideo -` piped into bench/live_analytics_opencv.py, which runs the same ONNX file
 *    (models/object_detection_yolox_nano_416.onnx) through cv2.dnn (Debian's python3-opencv, one thread)
 *    with YOLOX's pre- and post-processing. W×H is the size kadr's detector scales the picture to (416 on
 *    the longer side), so both models get the same input size. One decoder thread, as kadr's.
 *
 * Both sides must find the same: before the run, a few frames of the camera file at the detection size
 * go through kadr's ObjectDetector and through the Python script, and the detections are compared
 * (count, box IoU, score). During the run, the persons per analysed frame of both sides are printed.
 *
 * Not counted: the camera (one `kadr rtsp-serve --loop` of the file, every camera one RTSP session of
 * it) and PostgreSQL. Counted: CPU time (utime + stime from /proc/<pid>/stat) of each side's processes
 * and their descendants over the measured span, after a warm-up: for kadr the server and its analysis
 * children, for the peer the ffmpeg and Python processes. Cameras per core = one core / CPU per camera.
 *
 * The camera: 60 s of test/eval/media/one-by-one-person-detection-0-70s.mp4 (real footage, people walking
 * in and out) scaled to 1920×1080 at 25 fps, H.264 at 4 Mbit/s, 2 s GOP, no B-frames (generated once into
 * .cache/bench); `--source native` serves the clip as it is (768×432, 10 fps).
 *
 * usage: node --import tsx bench/live-analytics.ts [--cameras M] [--seconds S] [--source 1080p|native]
 *   defaults: 1 camera a side, 60 s measured after 20 s of warm-up, 1080p
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { ObjectDetector, PERSON_CLASS, type ObjectDetection } from '../src/analytics/index.js';
import { postgresService } from '../test/harness/services/postgres.js';
import { freePort } from '../test/integration/recorder/rtsp-source.js';
import { compiledCli, kadrNodeFlags } from './compiled-cli.js';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    cameras: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '60' },
    source: { type: 'string', default: '1080p' },
  },
});
const M = Number(values.cameras);
const SECONDS = Number(values.seconds);
const FPS = 5;
const WARMUP_S = 20;
const PYTHON = '/usr/bin/python3'; // Debian's, which has python3-opencv
const MODEL = path.join(root, 'models/object_detection_yolox_nano_416.onnx');
const EVAL_CLIP = path.join(root, 'test/eval/media/one-by-one-person-detection-0-70s.mp4');
const CLK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

function cameraFile(): string {
  if (values.source === 'native') return EVAL_CLIP;
  const file = path.join(root, '.cache', 'bench', 'one-by-one-1080p25-4M-60s.mp4');
  mkdirSync(path.dirname(file), { recursive: true });
  execFileSync('sh', [
    '-c',
    `test -f '${file}' || { ffmpeg -v error -y -i '${EVAL_CLIP}' -t 60 -vf scale=1920:1080,fps=25 -c:v libx264 -preset veryfast -b:v 4M -maxrate 4M -bufsize 4M -g 50 -bf 0 -pix_fmt yuv420p -an '${file}.tmp.mp4' && mv '${file}.tmp.mp4' '${file}'; }`,
  ]);
  return file;
}

function probeSize(file: string): { width: number; height: number } {
  const out = execFileSync('ffprobe', [
    ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height'],
    ...['-of', 'csv=p=0', file],
  ]).toString();
  const [width, height] = out.trim().split(',').map(Number) as [number, number];
  return { width, height };
}

/** CPU seconds of processes `roots` and every live descendant of theirs, of the roots alone, and by command name. */
function treeCpu(roots: number[]): { total: number; roots: number; byName: Record<string, number> } {
  const all = new Map<number, { ppid: number; comm: string; cpuS: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cpuS = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLK;
      all.set(Number(name), { ppid: Number(f[1]), comm, cpuS });
    } catch {
      // ended while we looked
    }
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
  let total = 0;
  let ofRoots = 0;
  const byName: Record<string, number> = {};
  for (const pid of inTree) {
    const s = all.get(pid)!;
    total += s.cpuS;
    if (roots.includes(pid)) ofRoots += s.cpuS;
    byName[s.comm] = (byName[s.comm] ?? 0) + s.cpuS;
  }
  return { total, roots: ofRoots, byName };
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
  return { proc, match };
}

const iou = (a: number[], b: number[]) => {
  const w = Math.min(a[0]! + a[2]!, b[0]! + b[2]!) - Math.max(a[0]!, b[0]!);
  const h = Math.min(a[1]! + a[3]!, b[1]! + b[3]!) - Math.max(a[1]!, b[1]!);
  const inter = Math.max(0, w) * Math.max(0, h);
  return inter / (a[2]! * a[3]! + b[2]! * b[3]! - inter);
};

/**
 * The same frames (the camera file every 4 s, at the detection size, as the peer's ffmpeg makes them)
 * through kadr's detector and the Python script: the same objects, boxes and scores, or the comparison
 * would be between two different things.
 */
async function sanity(file: string, detector: ObjectDetector, w: number, h: number): Promise<void> {
  const args = ['-v', 'error', '-i', file, '-vf', `fps=1/4,scale=${w}:${h}`, '-frames:v', '12'];
  const raw = execFileSync('ffmpeg', [...args, '-pix_fmt', 'bgr24', '-f', 'rawvideo', '-'], {
    maxBuffer: 64 << 20,
  });
  const frameBytes = w * h * 3;
  const count = raw.length / frameBytes;
  const py = execFileSync(
    PYTHON,
    [path.join(root, 'bench/live_analytics_opencv.py'), MODEL, String(w), String(h), '--check'],
    { input: raw, maxBuffer: 64 << 20 },
  )
    .toString()
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { detections: number[][] }).detections);
  let objects = 0;
  let persons = 0;
  let minIou = 1;
  let maxScoreDiff = 0;
  const problems: string[] = [];
  for (let i = 0; i < count; i++) {
    const frame = raw.subarray(i * frameBytes, (i + 1) * frameBytes);
    const k: ObjectDetection[] = await detector.detect(Buffer.from(frame), w, h);
    const o = py[i] ?? [];
    if (k.length !== o.length) problems.push(`frame ${i}: kadr ${k.length} objects, OpenCV ${o.length}`);
    for (const d of k) {
      objects++;
      if (d.classId === PERSON_CLASS) persons++;
      const box = [d.x, d.y, d.width, d.height];
      const match = o
        .filter((x) => x[0] === d.classId)
        .map((x) => ({ x, iou: iou(box, x.slice(2)) }))
        .sort((a, b) => b.iou - a.iou)[0];
      if (!match || match.iou < 0.9) {
        problems.push(`frame ${i}: kadr's class ${d.classId} at ${box.map(Math.round)} has no OpenCV twin`);
        continue;
      }
      minIou = Math.min(minIou, match.iou);
      maxScoreDiff = Math.max(maxScoreDiff, Math.abs(match.x[1]! - d.score));
    }
  }
  console.log(
    `sanity: ${count} frames at ${w}x${h}, ${objects} objects (${persons} persons) from kadr; OpenCV's boxes: ` +
      `IoU >= ${minIou.toFixed(3)}, scores within ${maxScoreDiff.toFixed(4)}` +
      (problems.length ? `\n  DIFFERENT: ${problems.join('\n  ')}` : '; the same detections'),
  );
}

const file = cameraFile();
const source = probeSize(file);
const detector = await ObjectDetector.create({ threads: 1 });
const { width: W, height: H } = detector.sizeFor(source.width, source.height);
const cvVersion = execFileSync(PYTHON, ['-c', 'import cv2; print(cv2.__version__)']).toString().trim();
console.log(
  `camera: ${path.relative(root, file)} (${source.width}x${source.height}), ${M} camera(s) a side, ` +
    `persons at ${FPS} fps, detection input ${W}x${H} in 416x416; OpenCV ${cvVersion}; ` +
    `${os.availableParallelism()} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
);
await sanity(file, detector, W, H);
await detector.close();

const work = mkdtempSync(path.join(os.tmpdir(), 'kadr-bench-live-analytics-'));
const children: ChildProcess[] = [];
const groups: number[] = [];
const services: { stop(): Promise<void> }[] = [];
const token = Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
try {
  const cli = compiledCli();
  const pg = process.env.DATABASE_URL ? null : await postgresService.start();
  if (pg) services.push(pg);
  const env: NodeJS.ProcessEnv = { ...process.env, ...(pg?.env ?? {}) };
  for (const k of Object.keys(env)) if (k.startsWith('S3_')) delete env[k];

  const cameraPort = await freePort();
  const camera = await startProcess(
    process.execPath,
    [cli, 'rtsp-serve', '--port', String(cameraPort), '--loop', file],
    /listening/,
  );
  children.push(camera.proc);
  const cameraUrl = `rtsp://127.0.0.1:${cameraPort}/${path.basename(file, '.mp4')}`;

  // kadr
  const kadr = await startProcess(
    process.execPath,
    [
      ...kadrNodeFlags(),
      cli,
      'serve',
      '--port',
      '0',
      '--rtsp-port',
      '0',
      '--concurrency',
      '0',
      '--data',
      path.join(work, 'kadr'),
    ],
    /listening on (http:\/\/[0-9.:]+)/,
    { ...env, KADR_API_TOKEN: token },
  );
  children.push(kadr.proc);
  const api = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${kadr.match}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const ids: string[] = [];
  for (let i = 0; i < M; i++) {
    const cam = await api('POST', '/api/cameras', { name: `cam${i}`, url: cameraUrl, transport: 'tcp' });
    ids.push(cam.id as string);
    await api('PUT', `/api/cameras/${cam.id}/analytics`, { detect: ['persons'], fps: FPS });
  }

  // The peer: ffmpeg | python per camera.
  const peers = Array.from({ length: M }, () => {
    const ffmpeg = [
      'ffmpeg -v error -rtsp_transport tcp -threads 1',
      `-i '${cameraUrl}' -an -vf fps=${FPS},scale=${W}:${H} -pix_fmt bgr24 -f rawvideo -`,
    ].join(' ');
    const python = `${PYTHON} '${path.join(root, 'bench/live_analytics_opencv.py')}' '${MODEL}' ${W} ${H}`;
    // A process group of its own, so that the end of the bench stops the ffmpeg and the python in it.
    const p = spawn('sh', ['-c', `${ffmpeg} | ${python}`], {
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    groups.push(p.pid!);
    const reports: { atMs: number; frames: number; persons: number }[] = [];
    let rest = '';
    p.stdout.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split('\n');
      rest = lines.pop()!;
      for (const line of lines.filter(Boolean)) {
        const r = JSON.parse(line) as { frames: number; persons: number };
        reports.push({ atMs: Date.now(), frames: r.frames, persons: r.persons });
      }
    });
    children.push(p);
    return { proc: p, reports };
  });

  process.stderr.write(`warming up ${WARMUP_S} s, then measuring ${SECONDS} s...\n`);
  await sleep(WARMUP_S * 1000);
  const kadrRoots = [kadr.proc.pid!];
  const peerRoots = peers.map((p) => p.proc.pid!);
  const cams0 = await Promise.all(ids.map((id) => api('GET', `/api/cameras/${id}`)));
  const k0 = treeCpu(kadrRoots);
  const p0 = treeCpu(peerRoots);
  const t0 = Date.now();
  const peer0 = peers.map((p) => p.reports.at(-1));
  await sleep(SECONDS * 1000);
  const k1 = treeCpu(kadrRoots);
  const p1 = treeCpu(peerRoots);
  const t1 = Date.now();
  const peer1 = peers.map((p) => p.reports.at(-1));
  const cams1 = await Promise.all(ids.map((id) => api('GET', `/api/cameras/${id}`)));
  const span = (t1 - t0) / 1000;

  // kadr's analysed frames and persons in them, from its API.
  let kFrames = 0;
  let kSkipped = 0;
  cams1.forEach((c, i) => {
    kFrames += c.analytics.framesAnalysed - cams0[i]!.analytics.framesAnalysed;
    kSkipped += c.analytics.framesSkipped - cams0[i]!.analytics.framesSkipped;
  });
  let kPersons = 0;
  let kDetFrames = 0;
  for (const id of ids) {
    const det = await api(
      'GET',
      `/api/cameras/${id}/detections?from=${new Date(t0).toISOString()}&to=${new Date(t1).toISOString()}`,
    );
    for (const f of det.frames as { d: unknown[][] }[]) {
      kDetFrames++;
      kPersons += f.d.filter((d) => d[0] === 'person').length;
    }
  }
  // The peer's, from its reports (every 5 s: the rate over the reports' own span).
  let pRate = 0;
  let pPersons = 0;
  let pFrames = 0;
  peers.forEach((p, i) => {
    const a = peer0[i];
    const b = peer1[i];
    if (!a || !b || b.atMs === a.atMs) return;
    pRate += (b.frames - a.frames) / ((b.atMs - a.atMs) / 1000);
    pFrames += b.frames - a.frames;
    pPersons += b.persons - a.persons;
  });

  const kCpu = (k1.total - k0.total) / span / M;
  const pCpu = (p1.total - p0.total) / span / M;
  const kFps = kFrames / span / M;
  const pFps = pRate / M;
  // CPU per analysed frame: a side that the machine's other work starves analyses fewer frames a second
  // than asked (the peer then lags behind the camera: nothing in it skips); its cost per camera at 5 fps is
  // its cost per frame times 5.
  const kAt5 = (kCpu / kFps) * FPS;
  const pAt5 = (pCpu / pFps) * FPS;
  const split = (a: Record<string, number>, b: Record<string, number>) =>
    Object.keys(b)
      .map((n) => `${n} ${((((b[n] ?? 0) - (a[n] ?? 0)) / span / M) * 100).toFixed(1)} %`)
      .join(', ');
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  const row = (name: string, cpu: number, fps: number, at5: number, persons: string) =>
    console.log(
      `  ${name.padEnd(42)}${pct(cpu).padStart(9)}${fps.toFixed(2).padStart(10)}${((cpu / fps) * 1000).toFixed(1).padStart(10)}` +
        `${pct(at5).padStart(11)}${(1 / at5).toFixed(1).padStart(9)}${persons.padStart(10)}`,
    );
  console.log(`\nmeasured ${span.toFixed(0)} s, both sides at once, per camera (CPU: % of one core):`);
  console.log(
    `  ${'side'.padEnd(42)}${'CPU'.padStart(9)}${'fps'.padStart(10)}${'ms/frame'.padStart(10)}` +
      `${`CPU@${FPS}fps`.padStart(11)}${'cam/core'.padStart(9)}${'pers/fr'.padStart(10)}`,
  );
  row(
    'kadr (node-av + onnxruntime, child/camera)',
    kCpu,
    kFps,
    kAt5,
    (kPersons / Math.max(1, kDetFrames)).toFixed(2),
  );
  row(
    `ffmpeg | python3 cv2.dnn (OpenCV ${cvVersion})`,
    pCpu,
    pFps,
    pAt5,
    (pPersons / Math.max(1, pFrames)).toFixed(2),
  );
  console.log(
    `  kadr: server ${pct((k1.roots - k0.roots) / span / M)}, analysis ${pct((k1.total - k1.roots - k0.total + k0.roots) / span / M)}; ` +
      `skipped ${kSkipped}`,
  );
  console.log(`  peer: ${split(p0.byName, p1.byName)}`);
  console.log(`  kadr / peer, cameras per core at ${FPS} fps: ${(pAt5 / kAt5).toFixed(2)}x (goal >= 1.5x)`);
  console.log(
    `  (fps: frames analysed a second; pers/fr: persons per analysed frame, a rough check only, as the two sides ` +
      `analyse different frames of the loop)`,
  );
  console.log(`  load average after: ${os.loadavg()[0]!.toFixed(2)} (other processes share these cores)`);
} finally {
  for (const g of groups) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  await sleep(1000);
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of services.reverse()) await s.stop().catch(() => {});
  rmSync(work, { recursive: true, force: true });
}
