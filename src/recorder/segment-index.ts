/**
 * The index stored beside every segment (`<segment>.index.json`): the timeline's frame-index file
 * (src/timeline/frame-index-file.ts: every frame's PTS, receive time and the source's RTCP wallclock)
 * plus the facts of the segment: where it came from, why it starts and ends, the gap before it.
 */
import {
  indexRecordedFrames,
  toFrameIndexFile,
  type FrameIndexFile,
  type FrameRecord as ReceivedFrame,
} from '../timeline/index.js';
import type { Rational } from '../core/rational.js';

/** One frame as received, with what a lossy network did to it (src/rtp/loss-report.ts). */
export interface FrameRecord extends ReceivedFrame {
  /** Packets lost since the previous frame received (RTP path only). */
  lostPackets?: number;
  /** Part of the frame's own data was lost; what arrived is stored. */
  incomplete?: boolean;
  /** Will not decode exactly: incomplete, or predicted from a damaged or lost picture. */
  damaged?: boolean;
}

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

/** What the recorder adds to the frame-index file. */
export interface SegmentFacts {
  segment: string;
  source: string;
  connection: number;
  startedAt: string;
  startReason: SegmentStart;
  endReason: SegmentEnd;
  gapBefore: Gap | null;
  droppedBeforeKeyframe: number;
  /** RTP packets lost on the way during the segment (before its first frame too, since the last one). */
  lostPackets: number;
  /**
   * Frames (presentation indexes, as `ptsTicks`) that will not decode exactly: part of their data was
   * lost, or they are predicted from a picture that was (until the next intact keyframe).
   */
  damaged: number[];
  /** The subset of `damaged` whose own data was lost (a slice missing or cut short). */
  incomplete: number[];
}

export type SegmentIndexJson = FrameIndexFile & SegmentFacts;

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
  /** PTS of the first and last frame (presentation order), in ticks of `timeBase`. */
  firstPtsTicks: bigint;
  lastPtsTicks: bigint;
  timeBase: Rational;
  /**
   * Wallclock (ms since 1970) of the first and last frame: the source's, from RTCP sender reports,
   * when the segment has it for every frame (`wallclockFrom: 'rtcp'`), else kadr's receive times.
   */
  firstWallclockMs: number;
  lastWallclockMs: number;
  wallclockFrom: 'rtcp' | 'received';
  /** Size of the stored segment (the media object, not its index). */
  bytes: number;
}

/**
 * Builds the index of one segment from its frames in decode order. `nextPtsTicks`, when known (a
 * rollover), gives the last frame's display duration; otherwise it is the interval before it.
 */
export function buildSegmentIndex(
  header: SegmentHeader,
  framesInDecodeOrder: FrameRecord[],
  endReason: SegmentEnd,
  nextPtsTicks: bigint | null = null,
): SegmentIndexJson {
  const index = indexRecordedFrames(
    {
      location: header.key,
      codec: header.codec,
      width: header.width,
      height: header.height,
      timeBase: header.timeBase,
    },
    framesInDecodeOrder,
    nextPtsTicks,
  );
  return {
    ...toFrameIndexFile(index),
    segment: header.key,
    source: header.source,
    connection: header.connection,
    startedAt: new Date(header.startedAtMs).toISOString(),
    startReason: header.startReason,
    endReason,
    gapBefore: header.gapBefore,
    droppedBeforeKeyframe: header.droppedBeforeKeyframe,
    ...lossFacts(framesInDecodeOrder),
  };
}

/** Loss counts and damage marks in presentation order (the order indexRecordedFrames stores). */
function lossFacts(
  framesInDecodeOrder: FrameRecord[],
): Pick<SegmentFacts, 'lostPackets' | 'damaged' | 'incomplete'> {
  const frames = [...framesInDecodeOrder].sort((a, b) =>
    a.ptsTicks < b.ptsTicks ? -1 : a.ptsTicks > b.ptsTicks ? 1 : 0,
  );
  return {
    lostPackets: frames.reduce((n, f) => n + (f.lostPackets ?? 0), 0),
    damaged: frames.flatMap((f, i) => (f.damaged ? [i] : [])),
    incomplete: frames.flatMap((f, i) => (f.incomplete ? [i] : [])),
  };
}

export function summarize(index: SegmentIndexJson, indexKey: string, bytes: number): SegmentSummary {
  const n = index.ptsTicks.length;
  const ntp = index.ntpMs ?? [];
  const rtcp = n > 0 && ntp.length === n && ntp.every((v) => v !== null);
  const clock = rtcp ? (ntp as number[]) : (index.receivedAtMs ?? []);
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
    firstPtsTicks: BigInt(index.ptsTicks[0] ?? 0),
    lastPtsTicks: BigInt(index.ptsTicks[n - 1] ?? 0),
    timeBase: parseTimeBase(index.timeBase),
    firstWallclockMs: clock[0] ?? 0,
    lastWallclockMs: clock[n - 1] ?? 0,
    wallclockFrom: rtcp ? 'rtcp' : 'received',
    bytes,
  };
}

function parseTimeBase(text: string): Rational {
  const [num, den] = text.split('/').map(Number);
  return { num: num!, den: den! };
}
