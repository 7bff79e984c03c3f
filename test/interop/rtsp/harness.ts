/**
 * Shared pieces of the RTSP interop tests: kadr's server in-process on free ports, the real clients
 * (Debian's ffprobe/ffmpeg, GStreamer rtspsrc, VLC) as child processes, and the frame-by-frame check
 * against ffprobe's ground truth of the source file.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../../src/core/logger.js';
import { rescale, RTP_VIDEO_TIME_BASE } from '../../../src/core/rational.js';
import { type RtspServerOptions, RtspServer } from '../../../src/rtsp/rtsp-server.js';
import { FileSource, mountNameFor } from '../../../src/streams/file-source.js';
import type { ByteBudget } from '../../../src/streams/rtp-unit-cache.js';
import { StreamRegistry } from '../../../src/streams/stream-registry.js';
import type { ProbedVideo } from '../../fixtures/ffprobe.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const gstClientScript = path.join(here, 'gst-rtsp-client.py');

export interface RunningServer {
  server: RtspServer;
  registry: StreamRegistry;
  port: number;
  url(file: string): string;
  close(): Promise<void>;
}

export async function startServer(
  files: string[],
  options: Partial<RtspServerOptions> & { loop?: boolean; cacheBudget?: ByteBudget } = {},
): Promise<RunningServer> {
  const registry = new StreamRegistry();
  const { loop, cacheBudget } = options;
  for (const f of files)
    registry.add(new FileSource(mountNameFor(f), f, { loop, cacheBudget, logger: silentLogger }));
  const server = new RtspServer({ ...options, handler: registry, host: '127.0.0.1', port: 0 });
  const { port } = await server.listen();
  return {
    server,
    registry,
    port,
    url: (file) => `rtsp://127.0.0.1:${port}/${encodeURIComponent(mountNameFor(file))}`,
    close: async () => {
      await server.close();
      await registry.closeAll();
    },
  };
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** PTS (90 kHz ticks, or null when the client gave none) of every frame ffprobe decodes from a URL. */
export async function ffprobeRtsp(url: string, transport: 'tcp' | 'udp'): Promise<(bigint | null)[]> {
  const r = await run('ffprobe', [
    '-v',
    'error',
    '-rtsp_transport',
    transport,
    '-buffer_size',
    '4194304',
    '-timeout',
    '20000000',
    '-select_streams',
    'v:0',
    '-show_entries',
    'frame=pts',
    '-of',
    'csv=p=0',
    url,
  ]);
  if (r.code !== 0)
    throw new Error(`ffprobe ${transport} ${url} failed (${r.code}): ${r.stderr.slice(0, 500)}`);
  return r.stdout
    .split('\n')
    .map((l) => l.split(',')[0]!.trim())
    .filter((l) => l.length > 0)
    .map((l) => (l === 'N/A' ? null : BigInt(l)));
}

/** PTS in 90 kHz ticks of every access unit GStreamer's rtspsrc delivers, and whether it saw EOS. */
export async function gstreamerRtsp(
  url: string,
  transport: 'tcp' | 'udp',
  codec: 'h264' | 'h265' | 'mpeg4',
): Promise<{ pts: bigint[]; eos: boolean; output: string }> {
  const r = await run('/usr/bin/python3', [gstClientScript, url, transport, codec, '40'], 60_000);
  const lines = r.stdout.split('\n').filter((l) => l.length > 0);
  // Buffers leave the parser in decode order; presentation order is the sorted PTS.
  const pts = lines
    .filter((l) => /^\d+$/.test(l))
    .map((ns) => (BigInt(ns) * 90_000n + 500_000_000n) / 1_000_000_000n)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { pts, eos: lines.includes('EOS'), output: `${r.stdout.slice(-300)}${r.stderr.slice(-500)}` };
}

/** Source frame times in 90 kHz ticks relative to the first frame, presentation order. */
export function sourceTicks(truth: ProbedVideo): bigint[] {
  const first = truth.frames[0]!.pts;
  return truth.frames.map((f) => rescale(f.pts - first, truth.timeBase, RTP_VIDEO_TIME_BASE));
}

/**
 * Every frame arrived, and each frame's PTS minus the first equals the source's within `tolerance`
 * ticks. Frames the client could not time (FFmpeg's first access unit comes without pts) are skipped
 * for the timing check but counted. Returns a description of the first mismatch, or undefined.
 */
export function checkFrames(truth: ProbedVideo, got: (bigint | null)[], tolerance = 1n): string | undefined {
  const expected = sourceTicks(truth);
  if (got.length !== expected.length)
    return `received ${got.length} frames, the source has ${expected.length}`;
  const firstTimed = got.findIndex((p) => p !== null);
  if (firstTimed < 0) return 'no frame carried a pts';
  if (firstTimed > 1) return `${firstTimed} frames without pts`;
  const base = got[firstTimed]! - expected[firstTimed]!;
  for (let i = firstTimed; i < got.length; i++) {
    const p = got[i];
    if (p === null) return `frame ${i} has no pts`;
    const diff = p! - base - expected[i]!;
    if (diff > tolerance || diff < -tolerance) {
      return `frame ${i}: pts-first ${p! - base} ticks, source ${expected[i]} (diff ${diff})`;
    }
  }
  return undefined;
}

/** Runs tasks with at most `limit` at a time (the CI machine has two cores). */
export async function pool<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

/**
 * A noisy 360p H.264 clip at a high bitrate (a few MB/s), made once with Debian's ffmpeg into
 * .cache/: enough bytes per second to fill socket buffers quickly in the slow-reader test.
 */
export async function heavyClip(): Promise<string> {
  const root = path.resolve(here, '../../..');
  const file = path.join(root, '.cache', 'rtsp-tests', 'heavy-360p.mp4');
  const { existsSync, mkdirSync, renameSync } = await import('node:fs');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.mp4`;
    const r = await run(
      'ffmpeg',
      [
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=s=640x360:r=30:d=4,noise=alls=40:allf=t+u',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-crf',
        '8',
        '-g',
        '30',
        '-pix_fmt',
        'yuv420p',
        tmp,
      ],
      120_000,
    );
    if (r.code !== 0) throw new Error(`cannot make the heavy clip: ${r.stderr}`);
    renameSync(tmp, file);
  }
  return file;
}
