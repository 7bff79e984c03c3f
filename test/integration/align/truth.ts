/**
 * The truth for the wallclock alignment tests, from the pictures and the receive times, never from
 * sender reports: a numbered video (every frame carries its number, src/media/test-pattern.ts, drawn
 * by ffmpeg), and when a live source showed its frame 0.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { PATTERN_GEQ_LUMA, readPatternNumber } from '../../../src/media/test-pattern.js';
import { readable, readJson } from '../recorder/helpers.js';

const W = 320;
const H = 180;
export const FRAME_MS = 40;

/** A 25 fps numbered H.264 video without B-frames (as a camera sends), GOP 1 s. */
export function numberedVideo(file: string, seconds: number): string {
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=s=${W}x${H}:r=25`,
    '-t',
    String(seconds),
    '-vf',
    `format=yuv420p,geq=lum='${PATTERN_GEQ_LUMA}':cb='cb(X,Y)':cr='cr(X,Y)'`,
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-g',
    '25',
    '-bf',
    '0',
    '-x264-params',
    'scenecut=0',
    file,
  ]);
  return file;
}

/** Every frame's number, in presentation order, read from ffmpeg's grey decode (file or s3://). */
export async function numbers(location: string): Promise<number[]> {
  const grey = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-i', await readable(location), '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
    {
      maxBuffer: 256 << 20,
    },
  );
  const out: number[] = [];
  for (let o = 0; o + W * H <= grey.length; o += W * H)
    out.push(readPatternNumber(grey.subarray(o), W, W, H));
  return out;
}

/**
 * The wallclock at which the source showed frame 0 of the video: a real-time source sends frame n at
 * W0 + n * 40 ms, so W0 = min(receive time - n * 40 ms); `spread` is the median's distance from it.
 */
export async function sourceStart(segment: string): Promise<{ w0: number; spread: number; first: number }> {
  const index = await readJson<{ receivedAtMs: number[] }>(segment.replace(/\.mp4$/, '.index.json'));
  const n = await numbers(segment);
  assert.equal(n.length, index.receivedAtMs.length, `${segment}: one number per indexed frame`);
  const starts = n.map((k, i) => index.receivedAtMs[i]! - k * FRAME_MS).sort((a, b) => a - b);
  return { w0: starts[0]!, spread: starts[starts.length >> 1]! - starts[0]!, first: n[0]! };
}
