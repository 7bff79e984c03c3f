/**
 * The frame of a recording at a wallclock time: "cam1 at 14:03:22.120". The recorder stores, per frame,
 * the source's own wallclock from RTCP sender reports (recorded-index.ts); the frame at wallclock T is
 * the last frame whose wallclock is at or before T, as the frame at time t is the last frame whose PTS
 * is (frame-at.ts). A recording is a list of segments; between them, when the source was lost, nothing
 * was recorded, and a T there is refused rather than answered with a frame from before the gap.
 * Segments that continue the one before (a rollover) leave no gap, even where a new sender report
 * moved the wallclock mapping by a few milliseconds at the cut.
 */
import { KadrError } from '../core/errors.js';
import { ticksToMs, type Rational } from '../core/rational.js';
import type { StoredFrameIndex } from './frame-index-file.js';

/** A segment of a recording: its index and how to name it (its media key or path). */
export interface IndexedSegment {
  label: string;
  index: Pick<StoredFrameIndex, 'pts' | 'key' | 'timeBase' | 'lastDurationTicks' | 'clocks'>;
  /** It starts where the segment before it (in wallclock order) ended: no frame is missing between. */
  continuesPrevious?: boolean;
}

export interface WallclockFrame {
  /** The segment it is in (IndexedSegment.label). */
  segment: string;
  /** 0-based presentation index in its segment. */
  index: number;
  ptsTicks: bigint;
  ptsMs: number;
  timeBase: Rational;
  /** Milliseconds after the segment's first frame: `kadr frame <segment> --at` this gives the same frame. */
  sinceFirstMs: number;
  keyframe: boolean;
  /** The source's wallclock for the frame (ms since 1970), and as ISO 8601 (whole ms). */
  wallclockMs: number;
  wallclock: string;
  /** When kadr received it (ms since 1970, local clock). */
  receivedAtMs: number;
}

/**
 * Parses a wallclock: ISO 8601 with a zone (`2026-12-04T23:10:01.120Z`, fractions below a millisecond
 * kept) or milliseconds since 1970.
 */
export function parseWallclock(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(text);
  const whole = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
  if (!m || Number.isNaN(whole)) {
    throw new KadrError('KADR_ERR_TIME_INVALID', `'${text}' is not a wallclock time`, {
      hint: 'give ISO 8601 with a zone, e.g. 2026-12-04T23:10:01.120Z, or milliseconds since 1970',
    });
  }
  return whole + (m[2] ? Number(`0${m[2]}`) * 1000 : 0);
}

/** The wallclock span a segment covers: its earliest frame to the end of its last one. */
function coverage(seg: IndexedSegment): { fromMs: number; toMs: number } | null {
  const ntp = seg.index.clocks?.ntpMs;
  if (!ntp || ntp.length === 0 || ntp.some((v) => v === null)) return null;
  const n = ntp.length;
  const last = ntp[n - 1]!;
  return {
    fromMs: Math.min(...(ntp as number[])),
    toMs: last + ticksToMs(seg.index.lastDurationTicks, seg.index.timeBase),
  };
}

export function frameAtWallclock(segments: readonly IndexedSegment[], atMs: number): WallclockFrame {
  const spans = segments.flatMap((seg) => {
    const span = coverage(seg);
    return span ? [{ seg, ...span }] : [];
  });
  spans.sort((a, b) => a.fromMs - b.fromMs);
  for (let k = 1; k < spans.length; k++) {
    if (spans[k]!.seg.continuesPrevious) spans[k - 1]!.toMs = Math.max(spans[k - 1]!.toMs, spans[k]!.fromMs);
  }
  if (spans.length === 0) {
    throw new KadrError(
      'KADR_ERR_TIME_NOT_RECORDED',
      'the recording has no source wallclock: its source sent no RTCP sender reports',
      { hint: 'look frames up by time instead: kadr frame <segment> --at <ms>' },
    );
  }
  let best: { seg: IndexedSegment; i: number; ntp: number } | null = null;
  for (const { seg, fromMs, toMs } of spans) {
    if (atMs < fromMs || atMs >= toMs) continue;
    const ntp = seg.index.clocks!.ntpMs as number[];
    for (let i = 0; i < ntp.length; i++) {
      if (ntp[i]! <= atMs && (!best || ntp[i]! >= best.ntp)) best = { seg, i, ntp: ntp[i]! };
    }
  }
  if (!best) {
    const before = Math.max(...spans.filter((s) => s.toMs <= atMs).map((s) => s.toMs));
    const after = Math.min(...spans.filter((s) => s.fromMs > atMs).map((s) => s.fromMs));
    const iso = (ms: number) => new Date(ms).toISOString();
    const around = [
      Number.isFinite(before) ? `recorded up to ${iso(before)}` : null,
      Number.isFinite(after) ? `recorded again from ${iso(after)}` : null,
    ].filter(Boolean);
    throw new KadrError(
      'KADR_ERR_TIME_NOT_RECORDED',
      `nothing was recorded at ${iso(atMs)}${around.length ? ` (${around.join(', ')})` : ''}`,
      { hint: 'give a wallclock inside a recorded segment' },
    );
  }
  const { seg, i, ntp } = best;
  const ix = seg.index;
  return {
    segment: seg.label,
    index: i,
    ptsTicks: ix.pts[i]!,
    ptsMs: ticksToMs(ix.pts[i]!, ix.timeBase),
    timeBase: ix.timeBase,
    sinceFirstMs: ticksToMs(ix.pts[i]! - ix.pts[0]!, ix.timeBase),
    keyframe: ix.key[i]!,
    wallclockMs: ntp,
    wallclock: new Date(Math.floor(ntp)).toISOString(),
    receivedAtMs: ix.clocks!.receivedAtMs[i]!,
  };
}
