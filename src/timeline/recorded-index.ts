/**
 * The frame index of a recording, built from the frames as the recorder received them: every frame's
 * PTS (from the RTP timestamps, unwrapped), when it was received, and the source's wallclock from RTCP
 * sender reports when the source sends them. The recorder stores it beside every segment
 * (frame-index-file.ts), which is what lets the timeline answer "the frame at wallclock T" (wallclock.ts).
 */
import { ticksToMs, type Rational } from '../core/rational.js';
import type { FrameIndex } from './frame-index.js';

/** One frame as a live source delivered it. */
export interface FrameRecord {
  ptsTicks: bigint;
  dtsTicks: bigint;
  key: boolean;
  receivedAtMs: number;
  ntpMs: number | null;
  ptsEstimated?: boolean;
}

export interface RecordedStream {
  location: string;
  codec: string;
  width: number;
  height: number;
  timeBase: Rational;
}

/**
 * The index of frames given in decode order (the order they arrived). `nextPtsTicks`, when known (the
 * first frame of the next segment), gives the last frame's display duration; otherwise it is the
 * interval before it (none for a single frame).
 */
export function indexRecordedFrames(
  stream: RecordedStream,
  framesInDecodeOrder: readonly FrameRecord[],
  nextPtsTicks: bigint | null = null,
): FrameIndex {
  const order = framesInDecodeOrder.map((f, decodePos) => ({ f, decodePos }));
  order.sort((a, b) => (a.f.ptsTicks < b.f.ptsTicks ? -1 : a.f.ptsTicks > b.f.ptsTicks ? 1 : 0));
  const frames = order.map((o) => o.f);
  const tb = stream.timeBase;
  const last = frames.at(-1)?.ptsTicks ?? 0n;
  let lastDuration = 0n;
  if (frames.length > 0 && nextPtsTicks !== null && nextPtsTicks > last) lastDuration = nextPtsTicks - last;
  else if (frames.length > 1) lastDuration = last - frames.at(-2)!.ptsTicks;
  const anchor = frames.find((f) => f.ntpMs !== null);
  return {
    ...stream,
    pts: frames.map((f) => f.ptsTicks),
    key: frames.map((f) => f.key),
    decodeOrder: order.map((o) => o.decodePos),
    pos: frames.map(() => -1),
    lastDurationTicks: lastDuration,
    builtBy: 'recorder',
    clocks: {
      receivedAtMs: frames.map((f) => round3(f.receivedAtMs)),
      // An SR maps the whole RTP timeline to NTP: frames received before the first SR get the same
      // mapping (anchor + their pts), not null.
      ntpMs: frames.map((f) => {
        if (f.ntpMs !== null) return round3(f.ntpMs);
        if (!anchor) return null;
        return round3(anchor.ntpMs! + ticksToMs(f.ptsTicks - anchor.ptsTicks, tb));
      }),
      anchor: anchor ? { ptsTicks: anchor.ptsTicks, ntpMs: round3(anchor.ntpMs!) } : null,
      estimatedPts: frames.flatMap((f, i) => (f.ptsEstimated ? [i] : [])),
    },
  };
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
