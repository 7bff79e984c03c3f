/**
 * Throughput of the whole server path (upload → queue → child process per video → results in
 * PostgreSQL) with 1 and 2 videos at once, on this machine. Complements bench/faces.ts (the
 * analytics alone): it shows what the job machinery keeps of the parallel speed-up.
 * Uses the embedded PostgreSQL and the filesystem store, as `kadr serve` does by default.
 *
 * usage: node --import tsx bench/server-throughput.ts [videos=4] [repeat=4]
 */
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { getVideo, sleep, upload } from '../test/integration/api/support/http.js';
import { kadrEnv, startKadr } from '../test/integration/api/support/kadr-process.js';
import { longFaceVideo } from '../test/integration/api/support/test-videos.js';

const count = Number(process.argv[2] ?? 4);
const video = await longFaceVideo(Number(process.argv[3] ?? 4));

/**
 * CPU seconds of kadr and its finished children (the per-video analysis processes), from
 * /proc/<pid>/stat utime+stime+cutime+cstime, in clock ticks of 1/100 s. This machine is shared,
 * so wall-clock rates move with the neighbours' load; CPU per frame does not.
 */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return [11, 12, 13, 14].reduce((s, i) => s + Number(fields[i]), 0) / 100;
}

interface Result {
  fps: number;
  framesPerCpuSecond: number;
  /** Most videos seen processing at the same time. */
  atOnce: number;
}

async function run(concurrency: number, threads: number | undefined): Promise<Result> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kadr-bench-'));
  await chmod(dir, 0o755);
  const kadr = await startKadr(
    ['serve', '--port', '0', '--data', dir, '--concurrency', String(concurrency)],
    kadrEnv({ DATABASE_URL: undefined, KADR_LOG_LEVEL: 'warn', KADR_ANALYSIS_THREADS: threads?.toString() }),
  );
  try {
    // Warm-up: one video, so that model loading and page cache are not in the measurement.
    const [warm] = (await upload(kadr.url, [video])).body.items;
    while (!['done', 'failed'].includes((await getVideo(kadr.url, warm!.id)).status)) await sleep(100);
    const t0 = performance.now();
    const cpu0 = cpuSeconds(kadr.proc.pid!);
    const { items } = (
      await upload(
        kadr.url,
        Array.from({ length: count }, () => video),
      )
    ).body;
    let atOnce = 0;
    for (;;) {
      const now = await Promise.all(items.map((v) => getVideo(kadr.url, v.id)));
      const failed = now.find((v) => v.status === 'failed');
      if (failed) throw new Error(failed.error ?? 'failed');
      atOnce = Math.max(atOnce, now.filter((v) => v.status === 'processing').length);
      if (now.every((v) => v.status === 'done')) break;
      await sleep(50);
    }
    const frames = count * video.frames;
    return {
      fps: frames / ((performance.now() - t0) / 1000),
      framesPerCpuSecond: frames / (cpuSeconds(kadr.proc.pid!) - cpu0),
      atOnce,
    };
  } finally {
    await kadr.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(`${count} videos × ${video.frames} frames (640x360 H.264), ${os.availableParallelism()} cores`);
console.log(
  `load average before: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const show = (label: string, r: Result) =>
  console.log(
    `${label}: ${r.fps.toFixed(1)} frames/s wall, ${r.framesPerCpuSecond.toFixed(1)} frames per CPU-second, ${r.atOnce} at once`,
  );
const one = await run(1, 1);
show('concurrency 1, 1 inference thread ', one);
const oneDefault = await run(1, undefined);
show('concurrency 1, default threads    ', oneDefault);
const two = await run(2, undefined);
show('concurrency 2, default threads    ', two);
console.log(`wall ratio 2 vs 1 (1 thread each)  : ${(two.fps / one.fps).toFixed(2)}x`);
console.log(`wall ratio 2 vs 1 (defaults)       : ${(two.fps / oneDefault.fps).toFixed(2)}x`);
console.log(
  `load average after: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
