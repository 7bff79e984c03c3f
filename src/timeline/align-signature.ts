/**
 * A video's motion signature (align-correlate.ts): every frame decoded, scaled by FFmpeg to 128x72,
 * averaged to 32x18 grey cells (so that fine texture and coding noise count little and a small shift
 * of the picture does not look like motion), and the mean absolute change of those cells from the
 * frame before. Times come from each frame's PTS, never from a frame rate.
 */
import { KadrError } from '../core/errors.js';
import { ticksToMs } from '../core/rational.js';
import { VideoFrameReader } from '../media/index.js';
import type { MotionSignature } from './align-correlate.js';

const READ_W = 128;
const READ_H = 72;
const CELL = 4;
const GRID_W = READ_W / CELL;
const GRID_H = READ_H / CELL;

export interface SignatureOptions {
  signal?: AbortSignal;
  /** Frames read so far, of the total. */
  onProgress?: (done: number, total: number) => void;
}

export async function motionSignature(
  location: string,
  options: SignatureOptions = {},
): Promise<MotionSignature> {
  const reader = await VideoFrameReader.open(location, { signal: options.signal });
  const total = reader.totalFrames;
  const timesMs: number[] = [];
  const motion: number[] = [];
  let prev: Float32Array | null = null;
  for await (const f of reader.readPlanarBgr({ width: READ_W, height: READ_H })) {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
    const grey = new Float32Array(GRID_W * GRID_H);
    for (let y = 0; y < READ_H; y++) {
      const row = y * f.stride;
      const cellRow = ((y / CELL) | 0) * GRID_W;
      for (let x = 0; x < READ_W; x++) {
        const i = row + x;
        grey[cellRow + ((x / CELL) | 0)]! += f.r[i]! + 2 * f.g[i]! + f.b[i]!;
      }
    }
    let change = 0;
    if (prev) {
      for (let k = 0; k < grey.length; k++) change += Math.abs(grey[k]! - prev[k]!);
      change /= grey.length * CELL * CELL * 4;
    }
    timesMs.push(ticksToMs(f.offsetTicks, reader.timeBase));
    motion.push(change);
    prev = grey;
    options.onProgress?.(timesMs.length, total);
  }
  if (timesMs.length < 2) {
    throw new KadrError('KADR_ERR_INPUT_CORRUPT', `${location}: too few frames to align by content`, {
      hint: 'content alignment needs a few seconds of video with motion',
    });
  }
  const ix = reader.index;
  const lastDuration = ix.pts.length > 1 ? timesMs[timesMs.length - 1]! - timesMs[timesMs.length - 2]! : 0;
  return { timesMs, motion, durationMs: timesMs[timesMs.length - 1]! + lastDuration };
}
