/**
 * The offset between two motion signatures by cross-correlation (docs/align.md). A signature is the
 * amount of picture change between consecutive frames, placed at the frames' own times (from PTS), so
 * two videos of one scene at different frame rates still describe the same curve: the change between
 * two frames is spread evenly over the interval between them, and the curve is resampled, area kept,
 * onto one common grid, less its moving average over four seconds (events place a lag, slow swells
 * of motion fit many lags alike; a shorter window also cut into the events of a camera re-timed to
 * another frame rate, and lost the lag, on the footage tried). The offset is the lag of the highest normalised correlation, found on a coarse
 * grid over every lag that leaves enough overlap, then on a fine grid near it, then between grid
 * points by a parabola through the peak and its neighbours. Its error is measured on the data: the
 * overlap is cut into parts, each part finds its own peak within a second of the whole one's, and
 * their spread gives the uncertainty: parts of curves that do not match scatter, and the error says so.
 */

export interface MotionSignature {
  /** Each frame's time, ms after the first frame, in presentation order (from PTS). */
  timesMs: number[];
  /** Change from the frame before (0 for the first frame), any unit shared by both signatures. */
  motion: number[];
  /** Length covered: from the first frame to the end of the last one, ms. */
  durationMs: number;
}

export interface CorrelationResult {
  /** t in `b` = t in `a` - lagMs for the same instant: b's first frame is lagMs after a's first frame. */
  lagMs: number;
  /** Estimated error of lagMs (two-sided, about 95 %), ms. */
  errorMs: number;
  /** Normalised correlation at the peak (1 = identical curves). */
  peak: number;
  /** How far the peak stands above the correlation at lags more than a second away, in their standard deviations. */
  distinctness: number;
  /** The fine grid step, ms. */
  gridMs: number;
  /** The offsets the separate parts of the overlap gave, ms. */
  partLagsMs: number[];
}

export interface CorrelateOptions {
  /** Smallest overlap to consider, ms (default: a third of the shorter signature, at least 1 s). */
  minOverlapMs?: number;
  /** Look only for |lag| at most this, ms. */
  maxLagMs?: number;
}

/** Student's t (two-sided 95 %) for the degrees of freedom 1..9. */
const T95 = [12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26];
const PARTS = 6;
const HIGH_PASS_MS = 4000;
const PART_REACH_MS = 1000;

/** (peak - mean) / sd of the scores at lags more than `away` cells from the peak. */
function peakDistinctness(
  scores: Map<number, number>,
  best: { lag: number; peak: number },
  away: number,
): number {
  const rest = [...scores].filter(([lag]) => Math.abs(lag - best.lag) > away).map(([, v]) => v);
  if (rest.length < 10) return Infinity;
  const mean = rest.reduce((s, v) => s + v, 0) / rest.length;
  const sd = Math.sqrt(rest.reduce((s, v) => s + (v - mean) ** 2, 0) / (rest.length - 1));
  return sd > 0 ? (best.peak - mean) / sd : Infinity;
}

/** Cumulative change at time t (piecewise linear between frames). */
function cumulative(sig: MotionSignature): (t: number) => number {
  const cum: number[] = [0];
  for (let i = 1; i < sig.motion.length; i++) cum.push(cum[i - 1]! + sig.motion[i]!);
  const times = sig.timesMs;
  return (t: number) => {
    if (t <= times[0]!) return 0;
    if (t >= times[times.length - 1]!) return cum[cum.length - 1]!;
    let lo = 0;
    let hi = times.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (times[mid]! <= t) lo = mid;
      else hi = mid;
    }
    const span = times[hi]! - times[lo]!;
    return cum[lo]! + ((cum[hi]! - cum[lo]!) * (t - times[lo]!)) / span;
  };
}

/** The change rate on a grid of `stepMs` from `startMs`: cell k covers [start + k step, start + (k+1) step). */
export function resample(sig: MotionSignature, stepMs: number, startMs = 0): Float64Array {
  const at = cumulative(sig);
  const lastTime = sig.timesMs[sig.timesMs.length - 1] ?? 0;
  const n = Math.max(0, Math.floor((lastTime - startMs) / stepMs));
  const out = new Float64Array(n);
  let prev = at(startMs);
  for (let k = 0; k < n; k++) {
    const next = at(startMs + (k + 1) * stepMs);
    out[k] = (next - prev) / stepMs;
    prev = next;
  }
  return out;
}

/**
 * Normalised correlation of a[i] with b[i - lag] over i in [from, to) (clipped to both), or null when
 * fewer than `minCells` overlap or either side is flat there.
 */
function ncc(
  a: Float64Array,
  b: Float64Array,
  lag: number,
  minCells: number,
  from = 0,
  to = Infinity,
): number | null {
  const lo = Math.max(from, lag, 0);
  const hi = Math.min(to, a.length, b.length + lag);
  const n = hi - lo;
  if (n < minCells) return null;
  let sa = 0;
  let sb = 0;
  for (let i = lo; i < hi; i++) {
    sa += a[i]!;
    sb += b[i - lag]!;
  }
  const ma = sa / n;
  const mb = sb / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = lo; i < hi; i++) {
    const x = a[i]! - ma;
    const y = b[i - lag]! - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  if (saa <= 0 || sbb <= 0) return null;
  return sab / Math.sqrt(saa * sbb);
}

/** The best lag in [lo, hi] (grid cells) and its sub-cell refinement by a parabola through 3 points. */
function bestLag(
  score: (lag: number) => number | null,
  lo: number,
  hi: number,
  scores = new Map<number, number>(),
): { lag: number; peak: number } | null {
  let best: { lag: number; peak: number } | null = null;
  for (let lag = lo; lag <= hi; lag++) {
    const s = score(lag);
    if (s === null) continue;
    scores.set(lag, s);
    if (!best || s > best.peak) best = { lag, peak: s };
  }
  if (!best) return null;
  const l = scores.get(best.lag - 1);
  const r = scores.get(best.lag + 1);
  if (l === undefined || r === undefined) return best;
  const denom = l - 2 * best.peak + r;
  const shift = denom < 0 ? (0.5 * (l - r)) / denom : 0;
  return { lag: best.lag + Math.max(-0.5, Math.min(0.5, shift)), peak: best.peak };
}

/** The curve less its moving average over `windowCells`. */
export function highPass(x: Float64Array, windowCells: number): Float64Array {
  const half = Math.max(1, Math.floor(windowCells / 2));
  const cum = new Float64Array(x.length + 1);
  for (let i = 0; i < x.length; i++) cum[i + 1] = cum[i]! + x[i]!;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const lo = Math.max(0, i - half);
    const hi = Math.min(x.length, i + half + 1);
    out[i] = x[i]! - (cum[hi]! - cum[lo]!) / (hi - lo);
  }
  return out;
}

/** Typical frame interval of a signature, ms (its median). */
export function frameIntervalMs(sig: MotionSignature): number {
  const d = sig.timesMs.slice(1).map((t, i) => t - sig.timesMs[i]!);
  d.sort((x, y) => x - y);
  return d.length ? d[d.length >> 1]! : 0;
}

export function correlateSignatures(
  a: MotionSignature,
  b: MotionSignature,
  options: CorrelateOptions = {},
): CorrelationResult | null {
  const shorter = Math.min(a.durationMs, b.durationMs);
  const minOverlapMs = options.minOverlapMs ?? Math.max(1000, shorter / 3);
  const maxLagMs = options.maxLagMs ?? Infinity;
  const longest = Math.max(a.durationMs, b.durationMs);
  // Coarse: about 4000 cells over the longest input keeps the full search near 10^7 operations.
  const coarseMs = Math.max(5, longest / 4000);
  const ca = highPass(resample(a, coarseMs), HIGH_PASS_MS / coarseMs);
  const cb = highPass(resample(b, coarseMs), HIGH_PASS_MS / coarseMs);
  const minCoarse = Math.max(4, Math.floor(minOverlapMs / coarseMs));
  const maxCoarse = Math.min(ca.length, Math.ceil(maxLagMs / coarseMs));
  const coarseScores = new Map<number, number>();
  const coarse = bestLag(
    (lag) => ncc(ca, cb, lag, minCoarse),
    Math.max(-cb.length, -maxCoarse),
    Math.min(ca.length, maxCoarse),
    coarseScores,
  );
  if (!coarse) return null;
  const distinctness = peakDistinctness(coarseScores, coarse, Math.ceil(1000 / coarseMs));
  // Fine: a tenth of the shorter frame interval, at least 1 ms, searched within two coarse cells.
  const interval = Math.min(frameIntervalMs(a), frameIntervalMs(b)) || coarseMs;
  const fineMs = Math.max(1, Math.min(coarseMs, interval / 10));
  const fa = highPass(resample(a, fineMs), HIGH_PASS_MS / fineMs);
  const fb = highPass(resample(b, fineMs), HIGH_PASS_MS / fineMs);
  const centre = Math.round((coarse.lag * coarseMs) / fineMs);
  const reach = Math.ceil((2 * coarseMs) / fineMs) + 1;
  const minFine = Math.max(4, Math.floor(minOverlapMs / fineMs));
  const fine = bestLag((lag) => ncc(fa, fb, lag, minFine), centre - reach, centre + reach);
  if (!fine) return null;
  // The parts: each sixth of the overlap on its own, searched near the whole overlap's peak.
  const lo = Math.max(0, Math.round(fine.lag));
  const hi = Math.min(fa.length, fb.length + Math.round(fine.lag));
  const partLen = Math.floor((hi - lo) / PARTS);
  const partLags: number[] = [];
  // Each part may find its own peak anywhere within a second: parts of curves that do not match
  // scatter, and the error says so.
  const near = Math.ceil(PART_REACH_MS / fineMs);
  const whole = Math.round(fine.lag);
  for (let p = 0; p < PARTS && partLen >= 8; p++) {
    const from = lo + p * partLen;
    const part = bestLag(
      (lag) => ncc(fa, fb, lag, Math.floor(partLen * 0.8), from, from + partLen),
      whole - near,
      whole + near,
    );
    if (part && part.peak > 0) partLags.push(part.lag * fineMs);
  }
  const lagMs = fine.lag * fineMs;
  let errorMs = fineMs / 2;
  if (partLags.length >= 3) {
    // Robust spread: the median absolute deviation (x 1.4826 estimates a standard deviation), so that
    // one part without events in it does not swamp the rest.
    const median = (v: number[]) => {
      const o = [...v].sort((x, y) => x - y);
      const m = o.length >> 1;
      return o.length % 2 ? o[m]! : (o[m - 1]! + o[m]!) / 2;
    };
    const mid = median(partLags);
    const sd = 1.4826 * median(partLags.map((v) => Math.abs(v - mid)));
    const se = sd / Math.sqrt(partLags.length);
    errorMs = Math.sqrt((T95[partLags.length - 2]! * se) ** 2 + (fineMs / 2) ** 2);
  } else {
    // Too little overlap to cut into parts: no better claim than the coarser frame interval.
    errorMs = Math.max(frameIntervalMs(a), frameIntervalMs(b));
  }
  return { lagMs, errorMs, peak: fine.peak, distinctness, gridMs: fineMs, partLagsMs: partLags };
}
