/**
 * Playback of a camera's recording by absolute time (docs/camera-recording.md): the segments and
 * gaps between two times (from PostgreSQL), and the frame shown at a wallclock time: the segments
 * around it come from PostgreSQL, their frame indexes from the object store, the look-up is the
 * timeline's (frameAtWallclock: the last frame whose wallclock is at or before the time, refused in a
 * gap), and the picture is the decode of exactly that PTS from the segment.
 */
import { KadrError } from '../../core/errors.js';
import { rescale, type Rational } from '../../core/rational.js';
import type { CameraRecordingsRepository, CameraSegmentRow } from '../../db/index.js';
import { encodeImage } from '../../media/index.js';
import type { ObjectStore } from '../../storage/index.js';
import {
  alignTracksByWallclock,
  type CameraTrack,
  FrameLookup,
  frameAtWallclock,
  readFrameIndexFile,
  type IndexedSegment,
  type StoredFrameIndex,
} from '../../timeline/index.js';

/** The longest span one recordings list may cover. */
export const MAX_LIST_SPAN_MS = 31 * 24 * 3600 * 1000;

export interface CameraRecordingsList {
  segments: { id: string; start: string; end: string; frames: number; key: string }[];
  gaps: { from: string; to: string; reason: string }[];
}

export interface CameraFrameInfo {
  /** The time asked, ISO 8601 with ms. */
  at: string;
  /** The frame's wallclock, ISO 8601 with ms. */
  frameTime: string;
  ptsTicks: string;
  timeBase: string;
  segmentId: string;
  /** 0-based presentation index of the frame in its segment. */
  index: number;
  /** Whose clock frameTime is: the camera's (RTCP sender reports) or kadr's receive time. */
  clock: 'rtcp' | 'received';
}

/** The longest window a group may be aligned over (every segment's index in it is read). */
export const MAX_ALIGN_SPAN_MS = 3600 * 1000;

export interface CameraAlignment {
  common: { wallclock: string; wallclockMs: number; end: string };
  offsets: {
    cameraId: string;
    segmentId: string;
    key: string;
    offsetMs: number;
    errorMs: number;
    method: 'wallclock';
    clock: 'rtcp' | 'received';
    frameIndex: number;
    frameIntervalMs: number;
  }[];
}

const iso = (ms: number) => new Date(Math.floor(ms)).toISOString();
/** Indexes kept in memory (each a few hundred KiB for a minute of video at most). */
const INDEX_CACHE = 64;

export class CameraPlayback {
  private readonly indexes = new Map<string, StoredFrameIndex>();

  constructor(
    private readonly repo: CameraRecordingsRepository,
    private readonly store: Pick<ObjectStore, 'get' | 'readLocation'>,
  ) {}

  async recordings(cameraId: string, fromMs: number, toMs: number): Promise<CameraRecordingsList> {
    if (!(toMs > fromMs)) {
      throw new KadrError('KADR_ERR_VALIDATION', '`to` must be after `from`');
    }
    if (toMs - fromMs > MAX_LIST_SPAN_MS) {
      throw new KadrError('KADR_ERR_VALIDATION', 'from..to may span 31 days at most', {
        hint: 'ask for the recordings in smaller pieces',
      });
    }
    await this.requireCamera(cameraId);
    const [segments, gaps] = await Promise.all([
      this.repo.segmentsBetween(cameraId, fromMs, toMs),
      this.repo.gapsBetween(cameraId, fromMs, toMs),
    ]);
    return {
      segments: segments.map((s) => ({
        id: s.id,
        // Rounded up: `frame?at=<start>` then falls on the first frame, never a fraction of a
        // millisecond before it (which would be the gap or the segment before).
        start: iso(Math.ceil(s.firstFrameMs)),
        end: iso(s.endsMs),
        frames: s.frames,
        key: s.objectKey,
      })),
      gaps: gaps.map((g) => ({ from: iso(g.fromMs), to: iso(g.toMs), reason: g.reason })),
    };
  }

  /**
   * A group of cameras in step over [fromMs, toMs) (docs/align.md): the common instant (the latest
   * first frame in the window), and for each camera the segment holding its frame then and the
   * offset into it, from the recordings' stored wallclocks.
   */
  async align(cameraIds: string[], fromMs: number, toMs: number): Promise<CameraAlignment> {
    if (!(toMs > fromMs)) throw new KadrError('KADR_ERR_VALIDATION', '`to` must be after `from`');
    if (toMs - fromMs > MAX_ALIGN_SPAN_MS) {
      throw new KadrError('KADR_ERR_VALIDATION', 'from..to may span an hour at most', {
        hint: 'align a shorter window: the common instant is its latest first frame',
      });
    }
    if (new Set(cameraIds).size !== cameraIds.length) {
      throw new KadrError('KADR_ERR_VALIDATION', 'a camera is named twice');
    }
    const tracks: (CameraTrack & { rows: Map<string, CameraSegmentRow> })[] = [];
    for (const id of cameraIds) {
      await this.requireCamera(id);
      const rows = await this.repo.segmentsBetween(id, fromMs, toMs);
      const segments: IndexedSegment[] = [];
      for (const [i, row] of rows.entries()) {
        const index = await this.index(row);
        segments.push({
          label: row.id,
          index: row.wallclockFrom === 'rtcp' ? index : withReceiveClock(index),
          continuesPrevious: row.startedReason === 'rollover' && i > 0,
        });
      }
      tracks.push({ name: id, segments, rows: new Map(rows.map((r) => [r.id, r])) });
    }
    const aligned = alignTracksByWallclock(tracks, fromMs, toMs);
    return {
      common: {
        wallclock: iso(aligned.commonMs),
        wallclockMs: aligned.commonMs,
        end: iso(aligned.endMs),
      },
      offsets: aligned.offsets.map((o, i) => {
        const row = tracks[i]!.rows.get(o.segment)!;
        return {
          cameraId: o.name,
          segmentId: row.id,
          key: row.objectKey,
          offsetMs: o.offsetMs,
          errorMs: o.errorMs,
          method: 'wallclock' as const,
          clock: row.wallclockFrom,
          frameIndex: o.frameIndex,
          frameIntervalMs: o.frameIntervalMs,
        };
      }),
    };
  }

  /** The frame shown at `atMs`; 404 (KADR_ERR_TIME_NOT_RECORDED) in a gap, before or after. */
  async frameAt(cameraId: string, atMs: number): Promise<CameraFrameInfo & { objectKey: string }> {
    await this.requireCamera(cameraId);
    const rows = await this.repo.segmentsAround(cameraId, atMs);
    if (rows.length === 0) {
      throw new KadrError('KADR_ERR_TIME_NOT_RECORDED', `camera ${cameraId} has no recording`, {
        hint: 'start its recording: POST /api/cameras/:id/recording/start',
      });
    }
    const byId = new Map(rows.map((r) => [r.id, r]));
    const segments: IndexedSegment[] = [];
    for (const [i, row] of rows.entries()) {
      const index = await this.index(row);
      const prev = rows[i - 1];
      segments.push({
        label: row.id,
        index: row.wallclockFrom === 'rtcp' ? index : withReceiveClock(index),
        // A rollover continues the segment before it: no frame is missing between them.
        continuesPrevious: row.startedReason === 'rollover' && prev !== undefined,
      });
    }
    const found = frameAtWallclock(segments, atMs);
    const row = byId.get(found.segment)!;
    return {
      at: iso(atMs),
      frameTime: iso(found.wallclockMs),
      ptsTicks: found.ptsTicks.toString(),
      timeBase: formatTb(found.timeBase),
      segmentId: row.id,
      index: found.index,
      clock: row.wallclockFrom,
      objectKey: row.objectKey,
    };
  }

  /** The frame at `atMs` as a JPEG: the decode of exactly the PTS frameAt() names. */
  async frameJpeg(cameraId: string, atMs: number): Promise<{ info: CameraFrameInfo; jpeg: Buffer }> {
    const { objectKey, ...info } = await this.frameAt(cameraId, atMs);
    const location = await this.store.readLocation(objectKey, 600);
    const lookup = await FrameLookup.open(location, { cacheKey: `camera-segment:${info.segmentId}` });
    try {
      // The index's time base need not be the MP4 track's: a JPEG ingest session counts ms, which
      // the muxer stores at 1/16000 (docs/ingest.md); the same instant in the track's ticks.
      const [num, den] = info.timeBase.split('/').map(Number) as [number, number];
      const pts = rescale(BigInt(info.ptsTicks), { num, den }, lookup.index.timeBase);
      const target = lookup.index.pts.indexOf(pts);
      if (target < 0) {
        throw new KadrError(
          'KADR_ERR_INPUT_CORRUPT',
          `segment ${info.segmentId} has no frame with pts ${info.ptsTicks}, which its index lists`,
        );
      }
      const r = await lookup.decodeFrame(target);
      try {
        return { info, jpeg: encodeImage(r.frame, 'jpeg') };
      } finally {
        r.frame.free();
      }
    } finally {
      await lookup.close();
    }
  }

  private async requireCamera(cameraId: string): Promise<void> {
    if (!(await this.repo.cameraExists(cameraId))) {
      throw new KadrError('KADR_ERR_NOT_FOUND', `camera ${cameraId} does not exist`);
    }
  }

  private async index(row: CameraSegmentRow): Promise<StoredFrameIndex> {
    const cached = this.indexes.get(row.indexKey);
    if (cached) return cached;
    const chunks: Buffer[] = [];
    for await (const c of await this.store.get(row.indexKey)) chunks.push(c as Buffer);
    const index = readFrameIndexFile(JSON.parse(Buffer.concat(chunks).toString('utf8')), row.objectKey);
    if (this.indexes.size >= INDEX_CACHE) this.indexes.delete(this.indexes.keys().next().value!);
    this.indexes.set(row.indexKey, index);
    return index;
  }
}

/**
 * A segment recorded before the camera's first RTCP sender report has only kadr's receive times;
 * they stand in for the wallclock there (the answer says `clock: 'received'`).
 */
function withReceiveClock(index: StoredFrameIndex): StoredFrameIndex {
  if (!index.clocks) return index;
  return { ...index, clocks: { ...index.clocks, ntpMs: index.clocks.receivedAtMs } };
}

function formatTb(tb: Rational): string {
  return `${tb.num}/${tb.den}`;
}
