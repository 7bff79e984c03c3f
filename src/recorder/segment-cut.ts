/**
 * Where segments are cut, as a pure decision per access unit (RecorderInstance applies it):
 *  - 'reset': the source's timestamps jumped (dts not increasing, or forward by more than the jump
 *    limit): the segment is finished as it was, and the new timestamps start a new one, so an fMP4
 *    never holds a backwards step (the muxer would rewrite it) or a hole of minutes;
 *  - 'rollover': a keyframe at least the segment length (in PTS) after the segment's first frame;
 *  - 'write': anything else goes into the current segment.
 */
export interface OpenSegment {
  firstPtsTicks: bigint;
  lastDtsTicks: bigint;
  maxPtsTicks: bigint;
}

import type { MediaUnit } from '../core/media-unit.js';

export type UnitTimes = Pick<MediaUnit<unknown>, 'pts' | 'dts' | 'key'>;

export type Cut = 'write' | 'rollover' | 'reset';

export function decideCut(
  seg: OpenSegment,
  unit: UnitTimes,
  segmentTicks: bigint,
  jumpTicks: bigint,
  backTicks: bigint,
): Cut {
  if (ptsJumped(seg, unit, jumpTicks, backTicks)) return 'reset';
  const step = unit.dts - seg.lastDtsTicks;
  // The recorder rebuilds dts from the pts (dts-rebuild.ts), so within a timeline they always increase.
  if (step <= 0n || step > jumpTicks) return 'reset';
  if (unit.key && unit.pts - seg.firstPtsTicks >= segmentTicks) return 'rollover';
  return 'write';
}

/** The pts left the segment's timeline: back by `backTicks` or more (B-frames reorder by far less), or
 * forward by more than `jumpTicks`. Holds whatever the dts say. */
export function ptsJumped(seg: OpenSegment, unit: UnitTimes, jumpTicks: bigint, backTicks: bigint): boolean {
  return unit.pts <= seg.maxPtsTicks - backTicks || unit.pts > seg.maxPtsTicks + jumpTicks;
}
