/**
 * The tables of a camera's recording: `camera_segments` and `camera_gaps` (migration 005,
 * docs/camera-recording.md). Wallclocks go in and come out as ms since 1970 (numbers, to the µs that
 * timestamptz keeps); PTS as bigint ticks.
 *
 * Rows marked for deletion (`deleting_at`, retention) are left out of every read but the sweep's.
 */
import type pg from 'pg';
import type { Rational } from '../core/rational.js';

export interface NewCameraSegment {
  cameraId: string;
  objectKey: string;
  indexKey: string;
  firstFrameMs: number;
  lastFrameMs: number;
  endsMs: number;
  wallclockFrom: 'rtcp' | 'received';
  firstPtsTicks: bigint;
  lastPtsTicks: bigint;
  timeBase: Rational;
  frames: number;
  bytes: number;
  startedReason: string;
  endedReason: string;
}

export interface CameraSegmentRow extends NewCameraSegment {
  id: string;
  createdAt: Date;
}

export interface CameraGapRow {
  cameraId: string;
  fromMs: number;
  toMs: number;
  reason: string;
}

/** A camera's recording settings, as the registry stores them (migration 004). */
export interface CameraRecordingSettings {
  id: string;
  record: boolean;
  retentionMaxAgeS: number | null;
  retentionMaxBytes: number | null;
}

interface SegmentDbRow {
  id: string;
  camera_id: string;
  object_key: string;
  index_key: string;
  first_ms: string;
  last_ms: string;
  ends_ms: string;
  wallclock_from: 'rtcp' | 'received';
  first_pts_ticks: string;
  last_pts_ticks: string;
  time_base: string;
  frames: number;
  bytes: string;
  started_reason: string;
  ended_reason: string;
  created_at: Date;
}

const SEGMENT_COLUMNS = `id, camera_id, object_key, index_key,
  extract(epoch FROM first_frame_at) * 1000 AS first_ms,
  extract(epoch FROM last_frame_at) * 1000 AS last_ms,
  extract(epoch FROM ends_at) * 1000 AS ends_ms,
  wallclock_from, first_pts_ticks, last_pts_ticks, time_base, frames, bytes,
  started_reason, ended_reason, created_at`;

/** ms since 1970 -> timestamptz, in SQL. */
const ts = (param: string) => `to_timestamp(${param}::double precision / 1000)`;

export class CameraRecordingsRepository {
  constructor(private readonly pool: pg.Pool) {}

  async cameraExists(cameraId: string): Promise<boolean> {
    const res = await this.pool.query('SELECT 1 FROM cameras WHERE id = $1', [cameraId]);
    return res.rowCount === 1;
  }

  async cameraSettings(): Promise<CameraRecordingSettings[]> {
    const res = await this.pool.query<{
      id: string;
      record: boolean;
      retention_max_age_s: string | null;
      retention_max_bytes: string | null;
    }>('SELECT id, record, retention_max_age_s, retention_max_bytes FROM cameras ORDER BY created_at');
    return res.rows.map((r) => ({
      id: r.id,
      record: r.record,
      retentionMaxAgeS: r.retention_max_age_s === null ? null : Number(r.retention_max_age_s),
      retentionMaxBytes: r.retention_max_bytes === null ? null : Number(r.retention_max_bytes),
    }));
  }

  /** Idempotent on the object key: a segment stored twice (a retry) keeps its first row. */
  async insertSegment(s: NewCameraSegment): Promise<string> {
    const res = await this.pool.query<{ id: string }>(
      `INSERT INTO camera_segments (camera_id, object_key, index_key, first_frame_at, last_frame_at, ends_at,
         wallclock_from, first_pts_ticks, last_pts_ticks, time_base, frames, bytes, started_reason, ended_reason)
       VALUES ($1, $2, $3, ${ts('$4')}, ${ts('$5')}, ${ts('$6')}, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (object_key) DO UPDATE SET object_key = EXCLUDED.object_key
       RETURNING id`,
      [
        s.cameraId,
        s.objectKey,
        s.indexKey,
        s.firstFrameMs,
        s.lastFrameMs,
        s.endsMs,
        s.wallclockFrom,
        s.firstPtsTicks.toString(),
        s.lastPtsTicks.toString(),
        `${s.timeBase.num}/${s.timeBase.den}`,
        s.frames,
        s.bytes,
        s.startedReason,
        s.endedReason,
      ],
    );
    return res.rows[0]!.id;
  }

  async insertGap(g: CameraGapRow): Promise<void> {
    await this.pool.query(
      `INSERT INTO camera_gaps (camera_id, from_at, to_at, reason) VALUES ($1, ${ts('$2')}, ${ts('$3')}, $4)`,
      [g.cameraId, g.fromMs, g.toMs, g.reason],
    );
  }

  /** Segments that overlap [fromMs, toMs), oldest first. */
  async segmentsBetween(cameraId: string, fromMs: number, toMs: number): Promise<CameraSegmentRow[]> {
    const res = await this.pool.query<SegmentDbRow>(
      `SELECT ${SEGMENT_COLUMNS} FROM camera_segments
       WHERE camera_id = $1 AND deleting_at IS NULL AND first_frame_at < ${ts('$3')} AND ends_at > ${ts('$2')}
       ORDER BY first_frame_at, object_key`,
      [cameraId, fromMs, toMs],
    );
    return res.rows.map(segmentRow);
  }

  /** Gaps that overlap [fromMs, toMs), oldest first. */
  async gapsBetween(cameraId: string, fromMs: number, toMs: number): Promise<CameraGapRow[]> {
    const res = await this.pool.query<{ from_ms: string; to_ms: string; reason: string }>(
      `SELECT extract(epoch FROM from_at) * 1000 AS from_ms, extract(epoch FROM to_at) * 1000 AS to_ms, reason
       FROM camera_gaps WHERE camera_id = $1 AND from_at < ${ts('$3')} AND to_at > ${ts('$2')}
       ORDER BY from_at`,
      [cameraId, fromMs, toMs],
    );
    return res.rows.map((r) => ({
      cameraId,
      fromMs: Number(r.from_ms),
      toMs: Number(r.to_ms),
      reason: r.reason,
    }));
  }

  /**
   * The segments a frame at `atMs` can be in, with a neighbour on each side (for a message that
   * says where recording stopped and started again): those starting at or before it (the last two)
   * and the first one after it.
   */
  async segmentsAround(cameraId: string, atMs: number): Promise<CameraSegmentRow[]> {
    const res = await this.pool.query<SegmentDbRow>(
      `(SELECT ${SEGMENT_COLUMNS} FROM camera_segments
         WHERE camera_id = $1 AND deleting_at IS NULL AND first_frame_at <= ${ts('$2')}
         ORDER BY first_frame_at DESC LIMIT 2)
       UNION ALL
       (SELECT ${SEGMENT_COLUMNS} FROM camera_segments
         WHERE camera_id = $1 AND deleting_at IS NULL AND first_frame_at > ${ts('$2')}
         ORDER BY first_frame_at LIMIT 1)`,
      [cameraId, atMs],
    );
    return res.rows.map(segmentRow).sort((a, b) => a.firstFrameMs - b.firstFrameMs);
  }

  async segment(id: string): Promise<CameraSegmentRow | null> {
    const res = await this.pool.query<SegmentDbRow>(
      `SELECT ${SEGMENT_COLUMNS} FROM camera_segments WHERE id = $1 AND deleting_at IS NULL`,
      [id],
    );
    return res.rows[0] ? segmentRow(res.rows[0]) : null;
  }

  /** The end of the camera's latest stored segment (ms), or null when it has none. */
  async lastSegmentEnd(cameraId: string): Promise<number | null> {
    const res = await this.pool.query<{ ends_ms: string | null }>(
      `SELECT extract(epoch FROM max(ends_at)) * 1000 AS ends_ms FROM camera_segments
       WHERE camera_id = $1 AND deleting_at IS NULL`,
      [cameraId],
    );
    const v = res.rows[0]?.ends_ms;
    return v === null || v === undefined ? null : Number(v);
  }

  /** Stored bytes of a camera's recording (rows being deleted not counted). */
  async totalBytes(cameraId: string): Promise<number> {
    const res = await this.pool.query<{ n: string | null }>(
      'SELECT sum(bytes) AS n FROM camera_segments WHERE camera_id = $1 AND deleting_at IS NULL',
      [cameraId],
    );
    return Number(res.rows[0]?.n ?? 0);
  }

  /**
   * Marks for deletion the camera's segments that retention removes: those that ended before
   * `olderThanMs` (when given), then the oldest until the rest fit in `maxBytes` (when given). One
   * statement, so that concurrent sweeps mark each row once. Returns the rows marked.
   */
  async markExpired(
    cameraId: string,
    olderThanMs: number | null,
    maxBytes: number | null,
  ): Promise<CameraSegmentRow[]> {
    const res = await this.pool.query<SegmentDbRow>(
      `WITH live AS (
         SELECT id, ends_at, sum(bytes) OVER (ORDER BY first_frame_at DESC, object_key DESC) AS newer_bytes
         FROM camera_segments WHERE camera_id = $1 AND deleting_at IS NULL
       ), marked AS (
         UPDATE camera_segments s SET deleting_at = now()
         FROM live
         WHERE s.id = live.id AND s.deleting_at IS NULL
           AND (($2::double precision IS NOT NULL AND live.ends_at < ${ts('$2')})
             OR ($3::bigint IS NOT NULL AND live.newer_bytes > $3::bigint))
         RETURNING s.id
       )
       SELECT ${SEGMENT_COLUMNS} FROM camera_segments WHERE id IN (SELECT id FROM marked)
       ORDER BY first_frame_at`,
      [cameraId, olderThanMs, maxBytes],
    );
    return res.rows.map(segmentRow);
  }

  /** Rows marked for deletion whose objects may still be there (a sweep that did not finish). */
  async markedForDeletion(): Promise<CameraSegmentRow[]> {
    const res = await this.pool.query<SegmentDbRow>(
      `SELECT ${SEGMENT_COLUMNS} FROM camera_segments WHERE deleting_at IS NOT NULL ORDER BY deleting_at`,
    );
    return res.rows.map(segmentRow);
  }

  async deleteSegment(id: string): Promise<void> {
    await this.pool.query('DELETE FROM camera_segments WHERE id = $1', [id]);
  }

  /** Gaps entirely before `beforeMs` (retention: nothing recorded around them any more). */
  async deleteGapsBefore(cameraId: string, beforeMs: number): Promise<void> {
    await this.pool.query(`DELETE FROM camera_gaps WHERE camera_id = $1 AND to_at < ${ts('$2')}`, [
      cameraId,
      beforeMs,
    ]);
  }

  /** Object keys of the camera's segments that have a row (marked or not). */
  async objectKeys(cameraId: string): Promise<Set<string>> {
    const res = await this.pool.query<{ object_key: string }>(
      'SELECT object_key FROM camera_segments WHERE camera_id = $1',
      [cameraId],
    );
    return new Set(res.rows.map((r) => r.object_key));
  }
}

function segmentRow(r: SegmentDbRow): CameraSegmentRow {
  const [num, den] = r.time_base.split('/').map(Number);
  return {
    id: r.id,
    cameraId: r.camera_id,
    objectKey: r.object_key,
    indexKey: r.index_key,
    firstFrameMs: Number(r.first_ms),
    lastFrameMs: Number(r.last_ms),
    endsMs: Number(r.ends_ms),
    wallclockFrom: r.wallclock_from,
    firstPtsTicks: BigInt(r.first_pts_ticks),
    lastPtsTicks: BigInt(r.last_pts_ticks),
    timeBase: { num: num!, den: den! },
    frames: r.frames,
    bytes: Number(r.bytes),
    startedReason: r.started_reason,
    endedReason: r.ended_reason,
    createdAt: r.created_at,
  };
}
