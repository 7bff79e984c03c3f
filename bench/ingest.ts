/**
 * JPEG frame ingest: kadr's way against the seed's way, at 720p and 1080p.
 *
 * - kadr: the ingest service (src/app/ingest) in this process, into the folder object store: each
 *   frame decoded and encoded to H.264 as it arrives (PTS = its capture time), the fMP4 streamed into
 *   the store; finish() at the end.
 * - seed: every frame written to a folder as it arrives, then, after the last one,
 *   `ffmpeg -framerate 27 -i %d.jpg -c:v libx264 out.mp4` and an upload of out.mp4 into the same store;
 *   once as it was (x264's default preset, medium) and once with kadr's preset (veryfast).
 *
 * Frames are offered as fast as each side takes them (capture times irregular, 20 to 60 ms apart).
 * Printed per size and side: frames per CPU-second (= frames per second per core), the wall-clock rate,
 * the time from the last frame to the recording being in storage, and how far the stored frame times
 * are from the capture times (ffprobe). CPU: this process's user+system time (process.cpuUsage, every
 * thread of x264 included) plus, for the seed, ffmpeg's own (-benchmark: utime + stime).
 *
 * usage: node --import tsx bench/ingest.ts [--frames 150] [--sizes 1280x720,1920x1080]
 */
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Log } from 'node-av/lib';
import { AV_LOG_FATAL } from 'node-av/constants';
import { IngestService } from '../src/app/index.js';
import { silentLogger } from '../src/core/logger.js';
import { patternJpeg } from '../src/media/index.js';
import { FsObjectStore } from '../src/storage/index.js';

Log.setLevel(AV_LOG_FATAL);
const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '150' },
    sizes: { type: 'string', default: '1280x720,1920x1080' },
  },
});
const FRAMES = Number(values.frames);

interface Side {
  side: string;
  size: string;
  frames: number;
  cpuS: number;
  fpsPerCore: number;
  wallFps: number;
  lastFrameToStoredMs: number;
  maxTimeErrorMs: number;
}

function captureTimes(n: number): number[] {
  let a = 12345;
  const t = [Date.UTC(2026, 11, 5, 12, 0, 0, 0)];
  for (let i = 1; i < n; i++) {
    a = (a * 1103515245 + 12345) % 2 ** 31;
    t.push(t[i - 1]! + 20 + (a % 41));
  }
  return t;
}

const cpuS = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

/** Largest difference between each stored frame's time and its capture time (after the first). */
function maxTimeError(file: string, times: number[]): number {
  const out = JSON.parse(
    execFileSync(
      'ffprobe',
      ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=pts_time', '-of', 'json', file],
      {
        encoding: 'utf8',
      },
    ),
  ) as { frames: { pts_time: string }[] };
  const pts = out.frames.map((f) => Number(f.pts_time) * 1000);
  if (pts.length !== times.length) return Number.NaN;
  return Math.max(...pts.map((p, i) => Math.abs(p - pts[0]! - (times[i]! - times[0]!))));
}

async function kadrSide(dir: string, size: string, jpegs: Buffer[], times: number[]): Promise<Side> {
  const store = new FsObjectStore(path.join(dir, 'objects'));
  const service = new IngestService({
    store,
    spoolDir: path.join(dir, 'spool'),
    idleMs: 600_000,
    log: silentLogger,
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { id } = await service.open(`bench-${size}`);
  for (let i = 0; i < jpegs.length; i++) await service.addFrame(id, jpegs[i]!, times[i]!);
  const last = performance.now();
  const rec = await service.finish(id);
  const stored = performance.now();
  const cpu = cpuS(cpu0);
  await service.close();
  return {
    side: 'kadr',
    size,
    frames: rec.frames,
    cpuS: cpu,
    fpsPerCore: rec.frames / cpu,
    wallFps: jpegs.length / ((last - t0) / 1000),
    lastFrameToStoredMs: stored - last,
    maxTimeErrorMs: maxTimeError(rec.key, times),
  };
}

/** ffmpeg's own CPU from -benchmark's last line: "bench: utime=1.234s stime=0.056s rtime=...". */
function benchCpu(stderr: string): number {
  const m = /utime=([\d.]+)s stime=([\d.]+)s/.exec(stderr);
  return m ? Number(m[1]) + Number(m[2]) : Number.NaN;
}

async function seedSide(
  dir: string,
  size: string,
  jpegs: Buffer[],
  times: number[],
  extra: string[] = [],
): Promise<Side> {
  const store = new FsObjectStore(path.join(dir, 'objects'));
  const frames = path.join(dir, 'frames');
  await mkdir(frames, { recursive: true });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < jpegs.length; i++) await writeFile(path.join(frames, `${i + 1}.jpg`), jpegs[i]!);
  const last = performance.now();
  const out = path.join(dir, 'out.mp4');
  const stderr = await new Promise<string>((resolve, reject) => {
    const ff = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-nostats',
        // -benchmark prints its CPU line at level info.
        '-v',
        'info',
        '-benchmark',
        '-y',
        '-framerate',
        '27',
        '-i',
        path.join(frames, '%d.jpg'),
        '-c:v',
        'libx264',
        ...extra,
        out,
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let err = '';
    ff.stderr.on('data', (c: Buffer) => (err += c.toString()));
    ff.on('exit', (code) => (code === 0 ? resolve(err) : reject(new Error(`ffmpeg exited ${code}: ${err}`))));
  });
  await store.put(`seed/${size}.mp4`, createReadStream(out), { contentType: 'video/mp4' });
  const stored = performance.now();
  const cpu = cpuS(cpu0) + benchCpu(stderr);
  return {
    side: `seed (ffmpeg -framerate 27${extra.length ? ` ${extra.join(' ')}` : ''})`,
    size,
    frames: jpegs.length,
    cpuS: cpu,
    fpsPerCore: jpegs.length / cpu,
    wallFps: jpegs.length / ((last - t0) / 1000),
    lastFrameToStoredMs: stored - last,
    maxTimeErrorMs: maxTimeError(store.describe(`seed/${size}.mp4`), times),
  };
}

const rows: Side[] = [];
console.error(
  `cores: ${os.availableParallelism()}, load average: ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
for (const size of values.sizes!.split(',')) {
  const [width, height] = size.split('x').map(Number) as [number, number];
  const times = captureTimes(FRAMES);
  const jpegs = times.map((t, n) => patternJpeg({ width, height }, n, t - times[0]!));
  const kb = jpegs.reduce((s, j) => s + j.length, 0) / jpegs.length / 1024;
  console.error(`${size}: ${FRAMES} JPEGs of ${kb.toFixed(0)} KiB on average`);
  // The seed's command as it was (libx264's default preset, medium), and with kadr's preset, so that
  // the CPU difference is not only the preset's.
  const sides = [
    kadrSide,
    seedSide,
    (d: string, s: string, j: Buffer[], t: number[]) => seedSide(d, s, j, t, ['-preset', 'veryfast']),
  ];
  for (const run of sides) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kadr-bench-ingest-'));
    try {
      const row = await run(dir, size, jpegs, times);
      rows.push(row);
      console.error(JSON.stringify(row));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
console.log(
  '| size | side | frames/s per core | CPU s | wall frames/s (arrival) | last frame → stored (ms) | max frame time error (ms) |',
);
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.size} | ${r.side} | ${r.fpsPerCore.toFixed(1)} | ${r.cpuS.toFixed(2)} | ${r.wallFps.toFixed(1)} | ${r.lastFrameToStoredMs.toFixed(0)} | ${r.maxTimeErrorMs.toFixed(1)} |`,
  );
}
