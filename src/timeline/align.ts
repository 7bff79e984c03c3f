/**
 * Puts several videos of one scene in step (docs/align.md): for each, the time after its first frame
 * at which one common instant lies. The common instant is the latest start: the first moment every
 * input has a picture of. Where every input is a recording whose frames carry the source's wallclock
 * (RTCP sender reports, recorded-index.ts) the offsets are read off those clocks; otherwise they are
 * found in the pictures, by cross-correlating motion signatures (align-correlate.ts) against the
 * first input.
 */
import { KadrError } from '../core/errors.js';
import { ticksToMs } from '../core/rational.js';
import { correlateSignatures, frameIntervalMs, type MotionSignature } from './align-correlate.js';
import { motionSignature } from './align-signature.js';
import type { IndexedSegment } from './wallclock.js';
import { refLabel, refLocation, type VideoRef } from './video-ref.js';

export type AlignMethod = 'wallclock' | 'content';

export interface AlignInput {
  ref: VideoRef;
  /** As the user named it; `file` in the result. */
  name: string;
  /** The recording's stored frame index, when it has one (kadr record wrote it beside the segment). */
  recorded?: IndexedSegment['index'] | null;
}

export interface AlignOffset {
  file: string;
  /** Time after this file's first frame at which the common instant lies, ms. */
  offsetMs: number;
  /** Estimated error of offsetMs, ms (docs/align.md says how each method gets it). */
  errorMs: number;
  method: AlignMethod;
  /** Typical (median) frame interval, ms. */
  frameIntervalMs: number;
  /** Length from the first frame to the end of the last, ms. */
  durationMs: number;
  /** content: normalised correlation peak with the reference (the first input; 1 for itself). */
  correlation?: number;
  /** content: how far that peak stands above the correlation at other lags, in standard deviations. */
  distinctness?: number;
  /** wallclock: largest distance of a frame's stored wallclock from a straight line through all, ms. */
  wallclockJitterMs?: number;
}

export interface AlignResult {
  common: {
    method: AlignMethod;
    /** The input that starts last (its offset is 0). */
    latestStart: string;
    /** From the common instant to the earliest end over all inputs, ms (<= 0: they do not overlap). */
    overlapMs: number;
    /** wallclock: the common instant on the sources' clock (ms since 1970, and ISO 8601). */
    wallclockMs?: number;
    wallclock?: string;
    /** content: the input the others were correlated with. */
    reference?: string;
  };
  offsets: AlignOffset[];
}

export interface AlignOptions {
  /** Force a method (default: wallclock when every input has it, else content). */
  method?: AlignMethod;
  signal?: AbortSignal;
  onProgress?: (file: string, done: number, total: number) => void;
}

/** Frames' wallclocks when every frame has one, else null. */
function wallclocks(input: AlignInput): number[] | null {
  const ntp = input.recorded?.clocks?.ntpMs;
  if (!ntp || ntp.length === 0 || ntp.some((v) => v === null)) return null;
  return ntp as number[];
}

export async function alignVideos(
  inputs: readonly AlignInput[],
  options: AlignOptions = {},
): Promise<AlignResult> {
  if (inputs.length < 2) throw new KadrError('KADR_ERR_USAGE', 'give at least two videos to align');
  const haveClock = inputs.every((i) => wallclocks(i) !== null);
  const method = options.method ?? (haveClock ? 'wallclock' : 'content');
  if (method === 'wallclock' && !haveClock) {
    const without = inputs.filter((i) => wallclocks(i) === null).map((i) => i.name);
    throw new KadrError('KADR_ERR_TIME_NOT_RECORDED', `no source wallclock in ${without.join(', ')}`, {
      hint: 'only recordings made by kadr record from sources sending RTCP sender reports have one; align by content instead',
    });
  }
  return method === 'wallclock' ? alignByWallclock(inputs) : alignByContent(inputs, options);
}

/**
 * A line through (pts, wallclock) by least squares; the largest distance of a frame from it is the
 * jitter of the sender reports' mapping as this recording stored it (a new report moves the mapping).
 */
export function wallclockJitter(ptsMs: number[], ntp: number[]): number {
  const n = ptsMs.length;
  if (n < 3) return 0;
  const mx = ptsMs.reduce((s, v) => s + v, 0) / n;
  const my = ntp.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (ptsMs[i]! - mx) * (ntp[i]! - my);
    sxx += (ptsMs[i]! - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 1;
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(ntp[i]! - (my + slope * (ptsMs[i]! - mx))));
  return worst;
}

function alignByWallclock(inputs: readonly AlignInput[]): AlignResult {
  const clocks = inputs.map((input) => {
    const ix = input.recorded!;
    const ntp = wallclocks(input)!;
    const ptsMs = ix.pts.map((p) => ticksToMs(p - ix.pts[0]!, ix.timeBase));
    const interval = frameIntervalMs({ timesMs: ptsMs, motion: [], durationMs: 0 });
    const durationMs = ptsMs[ptsMs.length - 1]! + ticksToMs(ix.lastDurationTicks, ix.timeBase);
    return { input, ntp, ptsMs, interval, durationMs, jitter: wallclockJitter(ptsMs, ntp) };
  });
  const latest = clocks.reduce((a, b) => (b.ntp[0]! > a.ntp[0]! ? b : a));
  const common = latest.ntp[0]!;
  const end = Math.min(
    ...clocks.map((c) => c.ntp[c.ntp.length - 1]! + (c.durationMs - c.ptsMs[c.ptsMs.length - 1]!)),
  );
  const offsets = clocks.map((c): AlignOffset => {
    // The last frame at or before the common instant, and the time from it to the instant.
    let i = 0;
    while (i + 1 < c.ntp.length && c.ntp[i + 1]! <= common) i++;
    return {
      file: c.input.name,
      offsetMs: round3(c.ptsMs[i]! + (common - c.ntp[i]!)),
      // The instant a frame's timestamp names lies somewhere in its interval: half of it, plus the
      // reports' own jitter as measured above.
      errorMs: round3(c.interval / 2 + c.jitter),
      method: 'wallclock',
      frameIntervalMs: round3(c.interval),
      durationMs: round3(c.durationMs),
      wallclockJitterMs: round3(c.jitter),
    };
  });
  return {
    common: {
      method: 'wallclock',
      latestStart: latest.input.name,
      overlapMs: round3(end - common),
      wallclockMs: round3(common),
      wallclock: new Date(Math.floor(common)).toISOString(),
    },
    offsets,
  };
}

async function alignByContent(inputs: readonly AlignInput[], options: AlignOptions): Promise<AlignResult> {
  const sigs: MotionSignature[] = [];
  for (const input of inputs) {
    sigs.push(
      await motionSignature(refLocation(input.ref), {
        signal: options.signal,
        onProgress: (done, total) => options.onProgress?.(refLabel(input.ref), done, total),
      }),
    );
  }
  // start[j]: where input j's first frame lies on the reference's (input 0's) time line.
  const start: number[] = [0];
  const err: number[] = [0];
  const peak: number[] = [1];
  const distinct: number[] = [Infinity];
  for (let j = 1; j < inputs.length; j++) {
    const r = correlateSignatures(sigs[0]!, sigs[j]!);
    if (!r) {
      throw new KadrError(
        'KADR_ERR_TIME_NOT_RECORDED',
        `${inputs[j]!.name} and ${inputs[0]!.name} share no stretch with motion to align on (no distinct correlation peak)`,
        {
          hint: 'content alignment needs the videos to overlap by a third of the shorter one, with motion in it',
        },
      );
    }
    start.push(r.lagMs);
    err.push(r.errorMs);
    peak.push(r.peak);
    distinct.push(r.distinctness);
  }
  let k = 0;
  for (let j = 1; j < inputs.length; j++) if (start[j]! > start[k]!) k = j;
  const common = start[k]!;
  const end = Math.min(...sigs.map((s, j) => start[j]! + s.durationMs));
  const offsets = inputs.map((input, j): AlignOffset => ({
    file: input.name,
    offsetMs: round3(common - start[j]!),
    // Both this input's place and the latest one's are estimates (the reference's is exact).
    errorMs: round3(j === k ? 0 : Math.sqrt(err[j]! ** 2 + err[k]! ** 2)),
    method: 'content',
    frameIntervalMs: round3(frameIntervalMs(sigs[j]!)),
    durationMs: round3(sigs[j]!.durationMs),
    correlation: round3(peak[j]!),
    ...(j === 0 ? {} : { distinctness: round3(distinct[j]!) }),
  }));
  return {
    common: {
      method: 'content',
      latestStart: inputs[k]!.name,
      overlapMs: round3(end - common),
      reference: inputs[0]!.name,
    },
    offsets,
  };
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
