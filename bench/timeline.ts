/**
 * Timeline benchmark, kadr against the way people do it with the ffmpeg CLI, side by side in one run,
 * on a 1080p long-GOP H.264 file (B-frames, GOP 300 frames = 10 s by default, made here by Debian's
 * ffmpeg):
 *  (a) one frame look-up at a random time: kadr with its index built (a warm process, as the server and
 *      scripts use it), kadr without an index (build + look-up), the `kadr frame` command (index cached
 *      on disk), against `ffmpeg -ss <t> -i <file> -frames:v 1 out.jpg`;
 *  (b) full decode throughput: kadr's decoder against `ffmpeg -i <file> -f null -`.
 * usage: node --import tsx bench/timeline.ts [--seconds 40] [--lookups 24] [--gop 300] [--content noise|camera]
 *
 * --content noise (default) adds temporal noise to every frame: the worst case, where decoding dominates
 * both sides. --content camera is testsrc2 without noise: a still background with a few moving parts,
 * closer to a fixed camera, where the per-look-up fixed costs (process start, probing) weigh more.
 */
import '../src/core/polyfill.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { compiledCli } from './compiled-cli.js';
import { configureFfmpegLog, VideoDecoder, writeImage } from '../src/media/index.js';
import { clearMemoryIndexCache, durationMs, FrameLookup, getFrameIndex } from '../src/timeline/index.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    lookups: { type: 'string' },
    gop: { type: 'string' },
    content: { type: 'string' },
  },
});
const seconds = Number(values.seconds ?? 40);
const lookups = Number(values.lookups ?? 24);
const gop = Number(values.gop ?? 300);
const content = values.content ?? 'noise';
if (content !== 'noise' && content !== 'camera') throw new Error('--content must be noise or camera');
const root = path.resolve(import.meta.dirname, '..');
const dir = path.join(root, '.cache', 'bench');
mkdirSync(dir, { recursive: true });
configureFfmpegLog();

const file = path.join(dir, `1080p-gop${gop}-${seconds}s${content === 'noise' ? '' : '-camera'}.mp4`);
if (!existsSync(file)) {
  console.log(`making ${file} with ffmpeg (1080p30, GOP ${gop}, 3 B-frames, ${content}) ...`);
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    content === 'noise'
      ? `testsrc2=s=1920x1080:r=30:d=${seconds},noise=alls=10:allf=t`
      : `testsrc2=s=1920x1080:r=30:d=${seconds}`,
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '23',
    '-g',
    String(gop),
    '-keyint_min',
    String(gop),
    '-bf',
    '3',
    '-x264-params',
    'scenecut=0',
    '-pix_fmt',
    'yuv420p',
    `${file}.tmp.mp4`,
  ]);
  execFileSync('mv', [`${file}.tmp.mp4`, file]);
}

function stats(ms: number[]): { median: number; p90: number; mean: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { median: at(0.5), p90: at(0.9), mean: s.reduce((a, b) => a + b, 0) / s.length };
}
const fmt = (x: number) => x.toFixed(1).padStart(8);

// Same random times for everyone (seeded), spread over the whole file.
const { index } = await getFrameIndex(file, { noDiskCache: true });
const total = durationMs(index);
let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const times = Array.from({ length: lookups }, () => Math.floor(rand() * (total - 1)));
const out = path.join(dir, 'lookup.jpg');

// (a1) kadr, index built, warm process
const warm = await FrameLookup.open(file, { skipUnreferenced: true });
const warmMs: number[] = [];
let packets = 0;
for (const t of times) {
  const t0 = performance.now();
  const r = await warm.at(t);
  writeImage(r.frame, out);
  warmMs.push(performance.now() - t0);
  packets += r.packetsDecoded;
  r.frame.free();
}
await warm.close();

// (a2) kadr, no index: build the index from packets, open, look up, close
const coldMs: number[] = [];
for (const t of times.slice(0, Math.min(8, lookups))) {
  clearMemoryIndexCache();
  const t0 = performance.now();
  const l = await FrameLookup.open(file, { skipUnreferenced: true, noDiskCache: true });
  const r = await l.at(t);
  writeImage(r.frame, out);
  r.frame.free();
  await l.close();
  coldMs.push(performance.now() - t0);
}

// (a3) the `kadr frame` command (a new process each time; the index cached on disk by the first run)
const cacheEnv = { ...process.env, KADR_CACHE_DIR: path.join(dir, 'index-cache') };
rmSync(cacheEnv.KADR_CACHE_DIR, { recursive: true, force: true });
const cli = compiledCli();
const cliMs: number[] = [];
spawnSync(process.execPath, [cli, 'frame', file, '--at', '0', '--out', out], { env: cacheEnv });
for (const t of times.slice(0, Math.min(12, lookups))) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, 'frame', file, '--at', String(t), '--out', out], {
    env: cacheEnv,
  });
  if (r.status !== 0) throw new Error(`kadr frame failed: ${r.stderr}`);
  cliMs.push(performance.now() - t0);
}

// (a4) ffmpeg -ss t -i file -frames:v 1 (accurate seek: decodes from the keyframe, as kadr does)
const ffMs: number[] = [];
for (const t of times) {
  const t0 = performance.now();
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-ss',
    (t / 1000).toFixed(3),
    '-i',
    file,
    '-frames:v',
    '1',
    '-q:v',
    '3',
    out,
  ]);
  ffMs.push(performance.now() - t0);
}

// (b) full decode throughput, 2 runs each, best kept
function kadrDecode(): Promise<{ frames: number; ms: number }> {
  return (async () => {
    const dec = await VideoDecoder.open(file);
    const t0 = performance.now();
    let frames = 0;
    const take = () => {
      for (let f = dec.receive(); f; f = dec.receive()) {
        frames++;
        f.free();
      }
    };
    while (dec.nextPacket()) {
      dec.decodeCurrent();
      take();
    }
    dec.drain();
    take();
    const ms = performance.now() - t0;
    await dec.close();
    return { frames, ms };
  })();
}
function ffmpegDecode(): { ms: number } {
  const t0 = performance.now();
  execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
  return { ms: performance.now() - t0 };
}
const decodeRuns: { kadr: number; ffmpeg: number }[] = [];
let frames = 0;
for (let i = 0; i < 2; i++) {
  const k = await kadrDecode();
  frames = k.frames;
  const f = ffmpegDecode();
  decodeRuns.push({ kadr: k.ms, ffmpeg: f.ms });
}
const kadrFps = frames / (Math.min(...decodeRuns.map((r) => r.kadr)) / 1000);
const ffFps = frames / (Math.min(...decodeRuns.map((r) => r.ffmpeg)) / 1000);

const w = stats(warmMs);
const c = stats(coldMs);
const f = stats(ffMs);
console.log(
  `\nfile: ${path.basename(file)}: ${index.pts.length} frames, ${index.width}x${index.height}, ${(total / 1000).toFixed(1)} s, GOP ${gop} frames, B-frames, ${content} content`,
);
console.log(
  `machine: ${(await import('node:os')).cpus().length} cores; ${lookups} look-ups at the same random times\n`,
);
console.log('(a) one frame look-up, JPEG out        median ms   p90 ms   mean ms   vs ffmpeg (median)');
console.log(
  `kadr, index built (warm process)    ${fmt(w.median)} ${fmt(w.p90)} ${fmt(w.mean)}   ${(f.median / w.median).toFixed(1)}x faster`,
);
console.log(
  `kadr, no index (build + look-up)    ${fmt(c.median)} ${fmt(c.p90)} ${fmt(c.mean)}   ${(f.median / c.median).toFixed(1)}x faster`,
);
if (cliMs.length) {
  const k = stats(cliMs);
  console.log(
    `kadr frame command (index on disk)  ${fmt(k.median)} ${fmt(k.p90)} ${fmt(k.mean)}   ${(f.median / k.median).toFixed(1)}x faster`,
  );
}
console.log(`ffmpeg -ss t -i file -frames:v 1    ${fmt(f.median)} ${fmt(f.p90)} ${fmt(f.mean)}   1.0x`);
console.log(
  `kadr decoded ${(packets / lookups).toFixed(1)} packets per look-up on average (from the keyframe before t)`,
);
console.log('\n(b) full decode                        frames/s');
console.log(`kadr (node-av, in-process)          ${fmt(kadrFps)}   ${(kadrFps / ffFps).toFixed(2)}x ffmpeg`);
console.log(`ffmpeg -i file -f null -            ${fmt(ffFps)}`);
