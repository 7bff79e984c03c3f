/**
 * A group of cameras put in step over a time window, from their recordings' stored wallclocks
 * (align.ts does the same for single videos): the common instant is the latest first frame inside the
 * window over all cameras; each camera's offset is counted from the first frame of the segment that
 * holds its frame at that instant, so cutting that segment there puts the group in step.
 */
import { KadrError } from '../core/errors.js';
import { ticksToMs } from '../core/rational.js';
import { frameIntervalMs } from './align-correlate.js';
import { wallclockJitter } from './align.js';
import { frameAtWallclock, type IndexedSegment } from './wallclock.js';

export interface CameraTrack {
  name: string;
  segments: IndexedSegment[];
}

export interface TrackOffset {
  name: string;
  /** The segment holding the frame at the common instant (IndexedSegment.label). */
  segment: string;
  /** Time after that segment's first frame at which the common instant lies, ms. */
  offsetMs: number;
  errorMs: number;
  /** The frame shown at the common instant: its presentation index in the segment. */
  frameIndex: number;
  frameIntervalMs: number;
  wallclockJitterMs: number;
}

export interface WindowAlignment {
  commonMs: number;
  /** The last moment every camera has a frame of (within the window). */
  endMs: number;
  offsets: TrackOffset[];
}

function wallclocksIn(seg: IndexedSegment, fromMs: number, toMs: number): number[] {
  const ntp = seg.index.clocks?.ntpMs ?? [];
  return ntp.filter((v): v is number => v !== null && v >= fromMs && v < toMs);
}

export function alignTracksByWallclock(
  tracks: readonly CameraTrack[],
  fromMs: number,
  toMs: number,
): WindowAlignment {
  const spans = tracks.map((t) => {
    const all = t.segments.flatMap((s) => wallclocksIn(s, fromMs, toMs));
    if (all.length === 0) {
      throw new KadrError(
        'KADR_ERR_TIME_NOT_RECORDED',
        `${t.name} has no frame with a wallclock between ${new Date(fromMs).toISOString()} and ${new Date(toMs).toISOString()}`,
        { hint: 'list its recordings (GET /api/cameras/:id/recordings) and pick a window they cover' },
      );
    }
    return { first: Math.min(...all), last: Math.max(...all) };
  });
  const commonMs = Math.max(...spans.map((s) => s.first));
  const endMs = Math.min(...spans.map((s) => s.last));
  if (endMs < commonMs) {
    throw new KadrError(
      'KADR_ERR_TIME_NOT_RECORDED',
      'the cameras recorded nothing at the same time in the window',
      {
        hint: 'pick a window in which every camera was recording',
      },
    );
  }
  const offsets = tracks.map((t): TrackOffset => {
    const found = frameAtWallclock(t.segments, commonMs);
    const seg = t.segments.find((s) => s.label === found.segment)!;
    const ix = seg.index;
    const ptsMs = ix.pts.map((p) => ticksToMs(p - ix.pts[0]!, ix.timeBase));
    const interval = frameIntervalMs({ timesMs: ptsMs, motion: [], durationMs: 0 });
    const jitter = wallclockJitter(ptsMs, ix.clocks!.ntpMs as number[]);
    return {
      name: t.name,
      segment: found.segment,
      offsetMs: round3(found.sinceFirstMs + (commonMs - found.wallclockMs)),
      // As align.ts: half a frame interval, plus the stored wallclocks' jitter.
      errorMs: round3(interval / 2 + jitter),
      frameIndex: found.index,
      frameIntervalMs: round3(interval),
      wallclockJitterMs: round3(jitter),
    };
  });
  return { commonMs: round3(commonMs), endMs: round3(endMs), offsets };
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
