/**
 * What a video is, measured from its frame index rather than taken from header fields: the frame count is
 * the number of displayed frames, the frame rates come from the actual PTS intervals.
 */
import { ticksToMs } from '../core/rational.js';
import { durationMs, type FrameIndex } from './frame-index.js';
import { getFrameIndex, type GetIndexOptions } from './index-cache.js';

export interface VideoSummary {
  codec: string;
  width: number;
  height: number;
  timeBase: string;
  frames: number;
  keyframes: number;
  /** Longest distance between keyframes, in frames. */
  maxGopFrames: number;
  /** From the first frame to the end of the last one. */
  durationMs: number;
  firstPts: string;
  firstPtsMs: number;
  /** true when the intervals between frames differ by more than rounding to the time base explains. */
  variableFrameRate: boolean;
  fps: { min: number; avg: number; max: number };
  intervalMs: { min: number; max: number };
  indexBuiltBy: FrameIndex['builtBy'];
}

export function summarize(index: FrameIndex): VideoSummary {
  const { pts, timeBase } = index;
  let minStep: bigint | null = null;
  let maxStep: bigint | null = null;
  for (let i = 1; i < pts.length; i++) {
    const step = pts[i]! - pts[i - 1]!;
    if (minStep === null || step < minStep) minStep = step;
    if (maxStep === null || step > maxStep) maxStep = step;
  }
  const n = pts.length;
  const spanMs = n >= 2 ? ticksToMs(pts[n - 1]! - pts[0]!, timeBase) : 0;
  const minMs = minStep === null ? 0 : ticksToMs(minStep, timeBase);
  const maxMs = maxStep === null ? 0 : ticksToMs(maxStep, timeBase);
  const meanTicks = n >= 2 ? Number(pts[n - 1]! - pts[0]!) / (n - 1) : 0;
  // 29.97 fps in a 1/1000 time base alternates 33 and 34 ms: one tick of spread is rounding, not VFR.
  const tolerance = 1 + meanTicks * 0.001;
  const variable = minStep !== null && maxStep !== null && Number(maxStep - minStep) > tolerance;
  let keyframes = 0;
  let gop = 0;
  let maxGop = 0;
  for (const k of index.key) {
    if (k) {
      keyframes++;
      gop = 1;
    } else gop++;
    maxGop = Math.max(maxGop, gop);
  }
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    codec: index.codec,
    width: index.width,
    height: index.height,
    timeBase: `${timeBase.num}/${timeBase.den}`,
    frames: n,
    keyframes,
    maxGopFrames: maxGop,
    durationMs: round(durationMs(index)),
    firstPts: String(pts[0] ?? 0n),
    firstPtsMs: round(pts[0] === undefined ? 0 : ticksToMs(pts[0], timeBase)),
    variableFrameRate: variable,
    fps: {
      min: maxMs > 0 ? round(1000 / maxMs) : 0,
      avg: spanMs > 0 ? round(((n - 1) * 1000) / spanMs) : 0,
      max: minMs > 0 ? round(1000 / minMs) : 0,
    },
    intervalMs: { min: round(minMs), max: round(maxMs) },
    indexBuiltBy: index.builtBy,
  };
}

export async function probeVideo(location: string, options: GetIndexOptions = {}): Promise<VideoSummary> {
  const { index } = await getFrameIndex(location, options);
  return summarize(index);
}
