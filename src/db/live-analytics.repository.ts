/**
 * The live analytics tables (migration 006): each camera's settings, the events, and the detections of
 * analysed frames (one row per camera and minute, a JSONB array appended to). Wallclocks are ms since
 * 1970 as double precision, so the sub-millisecond camera wallclock of a frame is kept exactly.
 */
import type pg from 'pg';

export interface CameraAnalyticsRow {
  cameraId: string;
  detect: string[];
  fps: number;
  zones: [number, number][][] | null;
}

/** One analysed frame: wallclock (ms), pts, and `[class, score, x, y, w, h, profileId?]` per detection. */
export interface DetectionFrame {
  t: number;
  pts: string;
  d: (string | number)[][];
}

export type AnalyticsEventType = 'person' | 'object' | 'face' | 'profile';

export interface AnalyticsEventRow {
  id: string;
  seq: string;
  cameraId: string;
  type: AnalyticsEventType;
  className: string | null;
  profileId: string | null;
  startMs: number;
  startPts: bigint;
  endMs: number | null;
  endPts: bigint | null;
  timeBase: string;
  confidence: number;
  maxCount: number;
  snapshotKey: string | null;
  snapshotMs: number | null;
  /** A `profile` event's best face: box in the camera's pixels and crop (migration 013). */
  faceBox: [number, number, number, number] | null;
  faceCropKey: string | null;
  /** How many of its faces the event keeps for a correction (their embeddings are read only by one). */
  faceCount: number;
}

export type NewAnalyticsEvent = Omit<AnalyticsEventRow, 'id' | 'seq' | 'endMs' | 'endPts' | 'faceCount'> & {
  faceEmbeddings: ArrayLike<number>[] | null;
};

export interface EventFilter {
  cameraId?: string;
  type?: AnalyticsEventType;
  profileId?: string;
  fromMs?: number;
  toMs?: number;
  afterSeq?: string;
  limit: number;
}

interface DbEvent {
  id: string;
  seq: string;
  camera_id: string;
  type: AnalyticsEventType;
  class_name: string | null;
  profile_id: string | null;
  start_ms: number;
  start_pts: string;
  end_ms: number | null;
  end_pts: string | null;
  time_base: string;
  confidence: number;
  max_count: number;
  snapshot_key: string | null;
  snapshot_ms: number | null;
  face_box: [number, number, number, number] | null;
  face_crop_key: string | null;
  face_count: number;
}

const toEvent = (r: DbEvent): AnalyticsEventRow => ({
  id: r.id,
  seq: r.seq,
  cameraId: r.camera_id,
  type: r.type,
  className: r.class_name,
  profileId: r.profile_id,
  startMs: r.start_ms,
  startPts: BigInt(r.start_pts),
  endMs: r.end_ms,
  endPts: r.end_pts === null ? null : BigInt(r.end_pts),
  timeBase: r.time_base,
  confidence: r.confidence,
  maxCount: r.max_count,
  snapshotKey: r.snapshot_key,
  snapshotMs: r.snapshot_ms,
  faceBox: r.face_box,
  faceCropKey: r.face_crop_key,
  faceCount: r.face_count,
});

const EVENT_COLUMNS = `id, seq::text AS seq, camera_id, type, class_name, profile_id, start_ms,
  start_pts::text AS start_pts, end_ms, end_pts::text AS end_pts, time_base, confidence, max_count,
  snapshot_key, snapshot_ms, face_box, face_crop_key, COALESCE(array_length(face_embeddings, 1), 0) AS face_count`;

/** Embeddings as a two-dimensional real[] literal's JS form (node-pg writes nested arrays as `{{…},{…}}`). */
const rows = (list: ArrayLike<number>[] | null | undefined) => (list ? list.map((e) => Array.from(e)) : null);

export class LiveAnalyticsRepository {
  constructor(private readonly db: pg.Pool) {}

  async settings(cameraId: string): Promise<CameraAnalyticsRow | null> {
    const res = await this.db.query(
      'SELECT camera_id, detect, fps, zones FROM camera_analytics WHERE camera_id = $1',
      [cameraId],
    );
    return res.rows[0] ? toSettings(res.rows[0]) : null;
  }

  async allSettings(): Promise<CameraAnalyticsRow[]> {
    const res = await this.db.query('SELECT camera_id, detect, fps, zones FROM camera_analytics');
    return res.rows.map(toSettings);
  }

  async putSettings(s: CameraAnalyticsRow): Promise<void> {
    await this.db.query(
      `INSERT INTO camera_analytics (camera_id, detect, fps, zones) VALUES ($1, $2, $3, $4)
       ON CONFLICT (camera_id) DO UPDATE SET detect = $2, fps = $3, zones = $4, updated_at = now()`,
      [s.cameraId, s.detect, s.fps, s.zones === null ? null : JSON.stringify(s.zones)],
    );
  }

  /** False when nothing was attached. */
  async deleteSettings(cameraId: string): Promise<boolean> {
    const res = await this.db.query('DELETE FROM camera_analytics WHERE camera_id = $1', [cameraId]);
    return (res.rowCount ?? 0) > 0;
  }

  async insertEvent(e: NewAnalyticsEvent): Promise<AnalyticsEventRow> {
    const res = await this.db.query<DbEvent>(
      `INSERT INTO analytics_events (camera_id, type, class_name, profile_id, start_ms, start_pts, time_base,
         confidence, max_count, snapshot_key, snapshot_ms, face_box, face_crop_key, face_embeddings)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::real[]) RETURNING ${EVENT_COLUMNS}`,
      [
        e.cameraId,
        e.type,
        e.className,
        e.profileId,
        e.startMs,
        e.startPts.toString(),
        e.timeBase,
        e.confidence,
        e.maxCount,
        e.snapshotKey,
        e.snapshotMs,
        e.faceBox,
        e.faceCropKey,
        rows(e.faceEmbeddings),
      ],
    );
    return toEvent(res.rows[0]!);
  }

  async updateEvent(
    id: string,
    c: {
      endMs?: number;
      endPts?: bigint;
      confidence?: number;
      maxCount?: number;
      snapshotKey?: string;
      snapshotMs?: number;
      faceBox?: [number, number, number, number];
      faceCropKey?: string;
      faceEmbeddings?: ArrayLike<number>[];
    },
  ): Promise<AnalyticsEventRow | null> {
    const res = await this.db.query<DbEvent>(
      `UPDATE analytics_events SET
         end_ms = COALESCE($2, end_ms), end_pts = COALESCE($3, end_pts),
         confidence = COALESCE($4, confidence), max_count = COALESCE($5, max_count),
         snapshot_key = COALESCE($6, snapshot_key), snapshot_ms = COALESCE($7, snapshot_ms),
         face_box = COALESCE($8, face_box), face_crop_key = COALESCE($9, face_crop_key),
         face_embeddings = COALESCE($10::real[], face_embeddings)
       WHERE id = $1 RETURNING ${EVENT_COLUMNS}`,
      [
        id,
        c.endMs ?? null,
        c.endPts?.toString() ?? null,
        c.confidence ?? null,
        c.maxCount ?? null,
        c.snapshotKey ?? null,
        c.snapshotMs ?? null,
        c.faceBox ?? null,
        c.faceCropKey ?? null,
        rows(c.faceEmbeddings),
      ],
    );
    return res.rows[0] ? toEvent(res.rows[0]) : null;
  }

  async event(id: string): Promise<AnalyticsEventRow | null> {
    const res = await this.db.query<DbEvent>(`SELECT ${EVENT_COLUMNS} FROM analytics_events WHERE id = $1`, [
      id,
    ]);
    return res.rows[0] ? toEvent(res.rows[0]) : null;
  }

  /** Events in insertion order (seq), after the cursor; an event overlapping [from, to] matches. */
  async events(f: EventFilter): Promise<AnalyticsEventRow[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      args.push(value);
      where.push(clause.replace('?', `$${args.length}`));
    };
    if (f.cameraId) add('camera_id = ?', f.cameraId);
    if (f.type) add('type = ?', f.type);
    if (f.profileId) add('profile_id = ?', f.profileId);
    // An open event (no end yet) is still going on: it overlaps any later time.
    if (f.fromMs !== undefined) add('(end_ms IS NULL OR end_ms >= ?)', f.fromMs);
    if (f.toMs !== undefined) add('start_ms <= ?', f.toMs);
    if (f.afterSeq) add('seq > ?', f.afterSeq);
    args.push(f.limit);
    const res = await this.db.query<DbEvent>(
      `SELECT ${EVENT_COLUMNS} FROM analytics_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY seq LIMIT $${args.length}`,
      args,
    );
    return res.rows.map(toEvent);
  }

  /** Appends the frames (each with its wallclock `t`) to their camera's minute rows. */
  async appendDetections(cameraId: string, frames: DetectionFrame[]): Promise<void> {
    const byMinute = new Map<number, DetectionFrame[]>();
    for (const f of frames) {
      const minute = Math.floor(f.t / 60_000) * 60_000;
      const list = byMinute.get(minute) ?? [];
      list.push(f);
      byMinute.set(minute, list);
    }
    for (const [minute, list] of byMinute) {
      await this.db.query(
        `INSERT INTO analytics_detections (camera_id, minute, frames) VALUES ($1, to_timestamp($2 / 1000.0), $3::jsonb)
         ON CONFLICT (camera_id, minute) DO UPDATE SET frames = analytics_detections.frames || EXCLUDED.frames`,
        [cameraId, minute, JSON.stringify(list)],
      );
    }
  }

  /** The analysed frames with wallclock in [fromMs, toMs], in time order. */
  async detections(cameraId: string, fromMs: number, toMs: number): Promise<DetectionFrame[]> {
    const res = await this.db.query<{ frames: DetectionFrame[] }>(
      `SELECT frames FROM analytics_detections
       WHERE camera_id = $1 AND minute >= to_timestamp($2 / 1000.0) AND minute <= to_timestamp($3 / 1000.0)
       ORDER BY minute`,
      [cameraId, Math.floor(fromMs / 60_000) * 60_000, toMs],
    );
    return res.rows
      .flatMap((r) => r.frames)
      .filter((f) => f.t >= fromMs && f.t <= toMs)
      .sort((a, b) => a.t - b.t);
  }
}

function toSettings(r: {
  camera_id: string;
  detect: string[];
  fps: number;
  zones: [number, number][][] | null;
}): CameraAnalyticsRow {
  return { cameraId: r.camera_id, detect: r.detect, fps: r.fps, zones: r.zones };
}
