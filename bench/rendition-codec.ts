/**
 * The codec work of a 480p rendition alone, kadr against ffmpeg: no RTSP, no real-time pace. The same
 * 1080p H.264 access units (the clip of bench/rendition.ts, 30 s, as MPEG-TS) go through kadr's
 * LiveTranscoder (decoder on one thread, swscale bicubic, libx264) and through
 * `ffmpeg -i <clip> -vf scale=-2:480 -c:v libx264` with the rendition's settings, both at the same time
 * as fast as they go; CPU seconds per frame of each (kadr: this process over its loop; ffmpeg: its
 * user + system time once it exited). Both outputs carry x264's settings string (its SEI in the first
 * keyframe), printed side by side: the same options on both sides make the comparison fair.
 *
 * usage: node --import tsx bench/rendition-codec.ts
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Demuxer } from 'node-av/api';
import { LiveTranscoder } from '../src/media/index.js';
import { RENDITION_CRF, renditionMaxRateBps } from '../src/streams/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HEIGHT = 480;
const PRESET = 'veryfast';
const clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const dir = path.join(root, '.cache', 'bench');
const mp4 = path.join(dir, 'live-1080p-4M.mp4');
const ts = path.join(dir, 'live-1080p-4M-30s.ts');
if (!existsSync(ts)) {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(mp4)) {
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=1920x1080:r=25:d=90'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '4M', '-maxrate', '4M', '-bufsize', '4M'],
      ...['-g', '50', '-pix_fmt', 'yuv420p', mp4],
    ]);
  }
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', mp4, '-t', '30', '-c', 'copy', '-f', 'mpegts', ts]);
}

/** utime + stime of the children this process waited for (cutime, cstime), in seconds. */
function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / clkTck;
}

function x264Settings(annexB: Buffer): string {
  const at = annexB.indexOf('x264 - core');
  return at < 0 ? '(none)' : annexB.subarray(at, annexB.indexOf(0, at)).toString('latin1');
}

const units: { data: Buffer; pts: bigint; key: boolean }[] = [];
const demuxer = await Demuxer.open(ts);
const timeBase = demuxer.video()!.timeBase;
for await (const p of demuxer.packets()) {
  if (!p) break;
  if (p.streamIndex === 0 && p.data) units.push({ data: Buffer.from(p.data), pts: p.pts, key: p.isKeyframe });
  p.free();
}
await demuxer.close();

const maxRate = renditionMaxRateBps(HEIGHT);
const ffOut = path.join(os.tmpdir(), `kadr-rendition-codec-${process.pid}.h264`);
const ffCpu0 = childrenCpuSeconds();
const ff = spawn(
  'ffmpeg',
  [
    ...['-hide_banner', '-nostats', '-v', 'error', '-i', ts],
    ...['-vf', `scale=-2:${HEIGHT}`, '-c:v', 'libx264', '-preset', PRESET, '-tune', 'zerolatency'],
    ...['-crf', String(RENDITION_CRF), '-maxrate', String(maxRate), '-bufsize', String(maxRate)],
    ...['-bf', '0', '-g', '300', '-sc_threshold', '0', '-forced-idr', '1', '-force_key_frames', 'source'],
    ...['-y', '-f', 'h264', ffOut],
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const ffDone = new Promise<void>((resolve) => ff.once('exit', () => resolve()));

const chain = await LiveTranscoder.open({
  codec: 'h264',
  timeBase: { num: timeBase.num, den: timeBase.den },
  height: HEIGHT,
  frameRate: 25,
  encoder: { preset: PRESET, crf: RENDITION_CRF, maxRateBps: maxRate, gopSize: 300, sceneCut: false },
});
const out: Buffer[] = [];
const c0 = process.cpuUsage();
for (const u of units) for (const p of await chain.push(u.data, u.pts, u.key, false)) out.push(p.data);
for (const p of await chain.drain()) out.push(p.data);
const c = process.cpuUsage(c0);
chain.close();
await ffDone;
const ffCpu = childrenCpuSeconds() - ffCpu0;
const ffBytes = readFileSync(ffOut);
rmSync(ffOut, { force: true });

const kadrCpu = (c.user + c.system) / 1e6;
const perFrame = (s: number) => `${((s * 1000) / units.length).toFixed(2)} ms a frame`;
console.log(`${units.length} frames of 1920x1080 to ${chain.width}x${chain.outHeight}, at the same time:`);
console.log(`kadr:   ${kadrCpu.toFixed(2)} s CPU, ${perFrame(kadrCpu)}, ${out.length} pictures`);
console.log(`ffmpeg: ${ffCpu.toFixed(2)} s CPU, ${perFrame(ffCpu)} (with its demuxing and process start)`);
console.log(`ratio kadr / ffmpeg: ${(kadrCpu / ffCpu).toFixed(2)}`);
const k = x264Settings(Buffer.concat(out));
const f = x264Settings(ffBytes);
console.log(`kadr's x264:   ${k}`);
console.log(`ffmpeg's x264: ${f}`);
const options = (s: string) => s.slice(s.indexOf('options:'));
console.log(`x264 options ${options(k) === options(f) ? 'identical' : 'DIFFER'}`);
