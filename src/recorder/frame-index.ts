/**
 * The frame index stored beside every segment (`<segment>.index.json`): every frame's PTS (from the
 * RTP timestamps, unwrapped), when it was received, and the source's NTP wallclock from RTCP sender
 * reports when the source sends them. Columnar arrays in presentation order, so that a look-up is a
 * binary search over `ptsTicks`.
 */
import { formatRational, ticksToMs, type Rational } from '../core/rational.js';

export const FRAME_INDEX_FORMAT = 'kadr-frame-index';
export const FRAME_INDEX_VERSION = 1;

/** Why a segment starts. */
export type SegmentStart = 'connect' | 'rollover' | 'timestamp-reset';
/** Why a segment ends; 'crash' when it was rebuilt from the spool after the recorder died. */
export type SegmentEnd =
  'rollover' | 'timestamp-reset' | 'end-of-stream' | 'source-lost' | 'stopped' | 'crash';

/** The time between the last frame of the previous connection and the first frame of this one. */
export interface Gap {
  /** Local wallclock (ms since 1970) of the last frame received before the gap. */
  fromMs: number;
  /** Local wallclock of the first frame received after it. */
  toMs: number;
  durationMs: number;
  reason: string;
}

export interface FrameRecord {
  ptsTicks: bigint;
  dtsTicks: bigint;
  key: boolean;
  receivedAtMs: number;
  ntpMs: number | null;
  ptsEstimated?: boolean;
  /** Packets lost since the previous frame received (src/rtp/loss-report.ts; RTP path only). */
  lostPackets?: number;
  /** Part of the frame's own data was lost; what arrived is stored. */
  incomplete?: boolean;
  /** Will not decode exactly: incomplete, or predicted from a damaged or lost picture. */
  damaged?: boolean;
}

/** Facts about a segment known when it starts (stored first in the spool journal). */
export interface SegmentHeader {
  key: string;
  indexKey: string;
  source: string;
  codec: string;
  width: number;
  height: number;
  timeBase: Rational;
  /** Counts connections of this recorder process; segments of one connection share a PTS timeline. */
  connection: number;
  startedAtMs: number;
  startReason: SegmentStart;
  gapBefore: Gap | null;
  /** Frames received from the source but not recorded because no keyframe had come yet. */
  droppedBeforeKeyframe: number;
}

export interface FrameIndexJson {
  format: typeof FRAME_INDEX_FORMAT;
  version: typeof FRAME_INDEX_VERSION;
  segment: string;
  source: string;
  codec: string;
  width: number;
  height: number;
  timeBase: string;
  connection: number;
  startedAt: string;
  startReason: SegmentStart;
  endReason: SegmentEnd;
  gapBefore: Gap | null;
  droppedBeforeKeyframe: number;
  frames: number;
  firstPtsMs: number;
  durationMs: number;
  /** Wallclock anchor: ntpMs of the first frame whose wallclock is known, with its pts. */
  wallclock: { ptsTicks: number; ntpMs: number } | null;
  ptsTicks: number[];
  /** Frames whose pts the source did not give and kadr estimated (the first of a connection at most). */
  estimatedPts: number[];
  /** RTP packets lost on the way during the segment (before its first frame too, since the last one). */
  lostPackets: number;
  /**
   * Frames (presentation indexes) that will not decode exactly: part of their data was lost, or they
   * are predicted from a picture that was (until the next intact keyframe). Stored as they arrived.
   */
  damaged: number[];
  /** The subset of `damaged` whose own data was lost (a slice missing or cut short). */
  incomplete: number[];
  keyframes: number[];
  receivedAtMs: number[];
  ntpMs: (number | null)[];
}

export interface SegmentSummary {
  key: string;
  indexKey: string;
  frames: number;
  firstPtsMs: number;
  durationMs: number;
  startReason: SegmentStart;
  endReason: SegmentEnd;
  gapBefore: Gap | null;
  lostPackets: number;
  damagedFrames: number;
  incompleteFrames: number;
}

/**
 * Builds the index of one segment. `nextPtsTicks`, when known (a rollover), gives the last frame's
 * display duration; otherwise it is estimated by the interval before it.
 */
export function buildFrameIndex(
  header: SegmentHeader,
  framesInDecodeOrder: FrameRecord[],
  endReason: SegmentEnd,
  nextPtsTicks: bigint | null = null,
): FrameIndexJson {
  const frames = [...framesInDecodeOrder].sort((a, b) =>
    a.ptsTicks < b.ptsTicks ? -1 : a.ptsTicks > b.ptsTicks ? 1 : 0,
  );
  const tb = header.timeBase;
  const first = frames[0]?.ptsTicks ?? 0n;
  const last = frames[frames.length - 1]?.ptsTicks ?? 0n;
  let lastDuration = 0n;
  if (frames.length > 0 && nextPtsTicks !== null && nextPtsTicks > last) lastDuration = nextPtsTicks - last;
  else if (frames.length > 1) lastDuration = last - frames[frames.length - 2]!.ptsTicks;
  const anchor = frames.find((f) => f.ntpMs !== null);
  return {
    format: FRAME_INDEX_FORMAT,
    version: FRAME_INDEX_VERSION,
    segment: header.key,
    source: header.source,
    codec: header.codec,
    width: header.width,
    height: header.height,
    timeBase: formatRational(tb),
    connection: header.connection,
    startedAt: new Date(header.startedAtMs).toISOString(),
    startReason: header.startReason,
    endReason,
    gapBefore: header.gapBefore,
    droppedBeforeKeyframe: header.droppedBeforeKeyframe,
    frames: frames.length,
    firstPtsMs: ticksToMs(first, tb),
    durationMs: frames.length ? ticksToMs(last - first + lastDuration, tb) : 0,
    wallclock: anchor ? { ptsTicks: Number(anchor.ptsTicks), ntpMs: round3(anchor.ntpMs!) } : null,
    ptsTicks: frames.map((f) => Number(f.ptsTicks)),
    estimatedPts: frames.flatMap((f, i) => (f.ptsEstimated ? [i] : [])),
    lostPackets: frames.reduce((n, f) => n + (f.lostPackets ?? 0), 0),
    damaged: frames.flatMap((f, i) => (f.damaged ? [i] : [])),
    incomplete: frames.flatMap((f, i) => (f.incomplete ? [i] : [])),
    keyframes: frames.flatMap((f, i) => (f.key ? [i] : [])),
    receivedAtMs: frames.map((f) => round3(f.receivedAtMs)),
    // An SR maps the whole RTP timeline to NTP: frames of the segment received before the first SR
    // get the same mapping (anchor + their pts), not null.
    ntpMs: frames.map((f) => {
      if (f.ntpMs !== null) return round3(f.ntpMs);
      if (!anchor) return null;
      return round3(anchor.ntpMs! + ticksToMs(f.ptsTicks - anchor.ptsTicks, tb));
    }),
  };
}

export function summarize(index: FrameIndexJson, indexKey: string): SegmentSummary {
  return {
    key: index.segment,
    indexKey,
    frames: index.frames,
    firstPtsMs: index.firstPtsMs,
    durationMs: index.durationMs,
    startReason: index.startReason,
    endReason: index.endReason,
    gapBefore: index.gapBefore,
    // Indexes written before loss was recorded have none of these.
    lostPackets: index.lostPackets ?? 0,
    damagedFrames: index.damaged?.length ?? 0,
    incompleteFrames: index.incomplete?.length ?? 0,
  };
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
