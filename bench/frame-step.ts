/**
 * Frame stepping, kadr against the way a person does it with the ffmpeg CLI, side by side in one run:
 * from a frame scrubbed to, step N frames forward, then N back from it, through a 1080p H.264 recording with a long GOP (2 s by
 * default, B-frames, fragmented MP4 as kadr records), each step answered as a JPEG by
 *  - kadr's frame session (timeline/frame-stepper.ts: the decoder kept warm, the pictures decoded
 *    on the way kept for steps back), what GET /api/cameras/:id/frame-sessions/:s/frame runs;
 *  - kadr without a session: open, seek to the keyframe, decode to the frame, close (what GET
 *    /api/cameras/:id/frame runs for every request), the index already built;
 *  - `ffmpeg -ss <t> -i <file> -frames:v 1 out.jpg`, the accurate seek (the peer).
 * Prints per-step latency p50/p95/max of each and the ratios.
 * usage: node --import tsx bench/frame-step.ts [--steps 100] [--gop-s 2] [--seconds 30] [--content camera|noise]
 */
import '../src/core/polyfill.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { configureFfmpegLog, encodeImage } from '../src/media/index.js';
import { ticksToMs } from '../src/core/rational.js';
import { FrameLookup, FrameStepper } from '../src/timeline/index.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string' },
    'gop-s': { type: 'string' },
    seconds: { type: 'string' },
    content: { type: 'string' },
  },
});
const steps = Number(values.steps ?? 100);
const gopS = Number(values['gop-s'] ?? 2);
const seconds = Number(values.seconds ?? 30);
const content = values.content ?? 'camera';
if (content !== 'noise' && content !== 'camera') throw new Error('--content must be camera or noise');
const fps = 25;
const root = path.resolve(import.meta.dirname, '..');
const dir = path.join(root, '.cache', 'bench');
mkdirSync(dir, { recursive: true });
configureFfmpegLog();

const file = path.join(dir, `step-1080p25-gop${gopS}s-${seconds}s-${content}.mp4`);
if (!existsSync(file)) {
  console.log(`making ${file} with ffmpeg (1080p25, a keyframe every ${gopS} s, 2 B-frames, ${content}) ...`);
  const src = `testsrc2=s=1920x1080:r=${fps}:d=${seconds}`;
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', content === 'noise' ? `${src},noise=alls=8:allf=t` : src],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p'],
    ...[
      '-g',
      String(gopS * fps),
      '-keyint_min',
      String(gopS * fps),
      '-bf',
      '2',
      '-x264-params',
      'scenecut=0',
    ],
    ...['-movflags', 'frag_keyframe+empty_moov+default_base_moof', `${file}.tmp.mp4`],
  ]);
  execFileSync('mv', [`${file}.tmp.mp4`, file]);
}

const stepper = await FrameStepper.open(file);
const ix = stepper.index;
const n = ix.pts.length;
const gop = gopS * fps;
// Start mid-GOP, far enough from both ends for N steps each way.
const start = Math.min(n - steps - 2, Math.max(steps + gop / 2, Math.floor(n / 2)));
if (start - steps < 0 || start + steps >= n)
  throw new Error(`${n} frames: too few for ${steps} steps each way`);
const out = path.join(dir, 'frame-step-ffmpeg.jpg');

const sinceFirstS = (p: number) => ticksToMs(ix.pts[p]! - ix.pts[0]!, ix.timeBase) / 1000;
function ffmpegStep(p: number): { ms: number; bytes: number } {
  // A quarter frame early: the accurate seek keeps the first frame at or after t, this one.
  const t = Math.max(0, sinceFirstS(p) - 0.25 / fps);
  const t0 = performance.now();
  const r = spawnSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-ss',
    t.toFixed(4),
    '-i',
    file,
    '-frames:v',
    '1',
    '-q:v',
    '3',
    out,
  ]);
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr.toString()}`);
  return { ms, bytes: statSync(out).size };
}
async function statelessStep(p: number): Promise<number> {
  const t0 = performance.now();
  const lookup = await FrameLookup.open(file);
  try {
    const r = await lookup.decodeFrame(p);
    encodeImage(r.frame, 'jpeg');
    r.frame.free();
  } finally {
    await lookup.close();
  }
  return performance.now() - t0;
}

// Forward from the frame scrubbed to, then back from it again: every step back is a frame not shown
// before (retracing the forward steps would be cheaper still), across keyframes.
const targets = [
  ...Array.from({ length: steps }, (_, i) => start + 1 + i),
  ...Array.from({ length: steps }, (_, i) => start - 1 - i),
];
// Warm up: one run of each peer.
ffmpegStep(start);
await statelessStep(start);

const kadr: number[] = [];
const decoded: number[] = [];
const stateless: number[] = [];
const ffmpeg: number[] = [];
for (const [i, p] of targets.entries()) {
  // The viewer scrubs to the start frame (decoded from its keyframe), then steps from it each way.
  if (i === 0 || i === steps) await stepper.jpeg(start);
  const t0 = performance.now();
  const pic = await stepper.jpeg(p);
  kadr.push(performance.now() - t0);
  decoded.push(pic.decoded);
  stateless.push(await statelessStep(p));
  ffmpeg.push(ffmpegStep(p).ms);
}
await stepper.close();
rmSync(out, { force: true });

function pct(ms: number[], q: number): number {
  const s = [...ms].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}
const row = (name: string, ms: number[]) =>
  `${name.padEnd(44)} p50 ${pct(ms, 0.5).toFixed(1).padStart(7)} ms  p95 ${pct(ms, 0.95).toFixed(1).padStart(7)} ms  max ${Math.max(
    ...ms,
  )
    .toFixed(1)
    .padStart(7)} ms`;
const half = (ms: number[], back: boolean) => (back ? ms.slice(steps) : ms.slice(0, steps));
console.log(
  `\n${path.basename(file)}: ${n} frames, 1920x1080, GOP ${gop} frames (${gopS} s), ${steps} steps forward from frame ${start}, then ${steps} back from it`,
);
for (const back of [false, true]) {
  console.log(`\n${back ? 'back (previous frame)' : 'forward (next frame)'}:`);
  console.log(row('kadr frame session (warm decoder, GOP kept)', half(kadr, back)));
  console.log(row('kadr without a session (seek + decode)', half(stateless, back)));
  console.log(row('ffmpeg -ss <t> -i <file> -frames:v 1', half(ffmpeg, back)));
}
console.log('\nall steps:');
console.log(row('kadr frame session', kadr));
console.log(row('kadr without a session', stateless));
console.log(row('ffmpeg -ss', ffmpeg));
const ratio = (q: number) => (pct(ffmpeg, q) / pct(kadr, q)).toFixed(1);
console.log(`ffmpeg -ss / kadr session: ${ratio(0.5)}x at p50, ${ratio(0.95)}x at p95`);
const mean = decoded.reduce((a, b) => a + b, 0) / decoded.length;
console.log(
  `pictures decoded per step by the session: mean ${mean.toFixed(2)}, max ${Math.max(...decoded)} (0 = kept from an earlier step)`,
);
