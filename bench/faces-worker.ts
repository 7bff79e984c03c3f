/**
 * kadr side of bench/faces.ts: one video through analyzeVideoFaces in this process, as a server worker
 * runs it (threads = 1). Prints one JSON line: frames, faces, wall and CPU time, open and model load
 * included (the OpenCV side counts its own set-up too), and the start and end as epoch ms so that the
 * bench can measure parallel runs over their common span (Node and tsx start-up excluded).
 *
 * usage: node --import tsx bench/faces-worker.ts VIDEO [threads]
 */
import { analyzeVideoFaces } from '../src/analytics/index.js';

const [video, threadsArg] = process.argv.slice(2);
if (!video) throw new Error('usage: faces-worker.ts VIDEO [threads]');
const startEpochMs = performance.timeOrigin + performance.now();
const t0 = performance.now();
const c0 = process.cpuUsage();
const state = await analyzeVideoFaces(video, { threads: Number(threadsArg ?? 1) });
const cpu = process.cpuUsage(c0);
process.stdout.write(
  `${JSON.stringify({
    frames: state.framesProcessed,
    faces: state.facesSoFar,
    wallMs: performance.now() - t0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    startEpochMs,
    endEpochMs: performance.timeOrigin + performance.now(),
  })}\n`,
);
