/**
 * The index stored beside every segment (`<segment>.index.json`): the timeline's frame-index file
 * (src/timeline/frame-index-file.ts: every frame's PTS, receive time and the source's RTCP wallclock)
 * plus the facts of the segment: where it came from, why it starts and ends, the gap before it.
 */
import {
  indexRecordedFrames,
  toFrameIndexFile,
  type FrameIndexFile,
  type FrameRecord,
} from '../timeline/index.js';
import type { Rational } from '../core/rational.js';

export type { FrameRecord };

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
  };
}

export function summarize(index: SegmentIndexJson, indexKey: string): SegmentSummary {
  return {
    key: index.segment,
    indexKey,
    frames: index.frames,
    firstPtsMs: index.firstPtsMs,
    durationMs: index.durationMs,
    startReason: index.startReason,
    endReason: index.endReason,
    gapBefore: index.gapBefore,
  };
}
