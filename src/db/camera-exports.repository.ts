/**
 * The `camera_exports` table (migration 005): one row per clip export, its status and progress
 * while it runs, the object key, frame count and first frame's wallclock once done.
 */
import type pg from 'pg';

export type CameraExportStatus = 'queued' | 'running' | 'done' | 'failed';

export interface CameraExportRow {
  id: string;
  cameraId: string;
  fromMs: number;
  toMs: number;
  status: CameraExportStatus;
  progress: number;
  objectKey: string | null;
  frames: number | null;
  firstFrameMs: number | null;
  error: string | null;
  createdAt: Date;
}

const ts = (param: string) => `to_timestamp(${param}::double precision / 1000)`;
const COLUMNS = `id, camera_id, extract(epoch FROM from_at) * 1000 AS from_ms,
  extract(epoch FROM to_at) * 1000 AS to_ms, status, progress, object_key, frames,
  extract(epoch FROM first_frame_at) * 1000 AS first_ms, error, created_at`;

interface DbRow {
  id: string;
  camera_id: string;
  from_ms: string;
  to_ms: string;
  status: CameraExportStatus;
  progress: number;
  object_key: string | null;
  frames: number | null;
  first_ms: string | null;
  error: string | null;
  created_at: Date;
}

export class CameraExportsRepository {
  constructor(private readonly pool: pg.Pool) {}

  async insert(cameraId: string, fromMs: number, toMs: number): Promise<CameraExportRow> {
    const res = await this.pool.query<DbRow>(
      `INSERT INTO camera_exports (camera_id, from_at, to_at) VALUES ($1, ${ts('$2')}, ${ts('$3')})
       RETURNING ${COLUMNS}`,
      [cameraId, fromMs, toMs],
    );
    return row(res.rows[0]!);
  }

  /** undefined for an unknown id, or one that is not a uuid. */
  async get(id: string): Promise<CameraExportRow | undefined> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
    const res = await this.pool.query<DbRow>(`SELECT ${COLUMNS} FROM camera_exports WHERE id = $1`, [id]);
    return res.rows[0] ? row(res.rows[0]) : undefined;
  }

  /** Never moves a finished export back, nor its progress backwards (updates may land late). */
  async progress(id: string, status: 'running', progress: number): Promise<void> {
    await this.pool.query(
      `UPDATE camera_exports SET status = $2, progress = GREATEST(progress, $3), updated_at = now()
       WHERE id = $1 AND status IN ('queued', 'running')`,
      [id, status, progress],
    );
  }

  async done(id: string, r: { objectKey: string; frames: number; firstFrameMs: number }): Promise<void> {
    await this.pool.query(
      `UPDATE camera_exports SET status = 'done', progress = 100, object_key = $2, frames = $3,
         first_frame_at = ${ts('$4')}, updated_at = now() WHERE id = $1`,
      [id, r.objectKey, r.frames, r.firstFrameMs],
    );
  }

  async failed(id: string, error: string): Promise<void> {
    await this.pool.query(
      `UPDATE camera_exports SET status = 'failed', error = $2, updated_at = now() WHERE id = $1`,
      [id, error],
    );
  }

  /**
   * Exports left queued or running by a process that stopped (each runs in-process): failed once
   * their row has not moved for `staleS` (a running export moves its progress every few seconds; an
   * export of another node that is alive is left alone).
   */
  async failStale(staleS: number): Promise<number> {
    const res = await this.pool.query(
      `UPDATE camera_exports SET status = 'failed', error = 'kadr stopped while the export ran',
         updated_at = now()
       WHERE status IN ('queued', 'running') AND updated_at < now() - make_interval(secs => $1)`,
      [staleS],
    );
    return res.rowCount ?? 0;
  }
}

function row(r: DbRow): CameraExportRow {
  return {
    id: r.id,
    cameraId: r.camera_id,
    fromMs: Number(r.from_ms),
    toMs: Number(r.to_ms),
    status: r.status,
    progress: Number(r.progress),
    objectKey: r.object_key,
    frames: r.frames,
    firstFrameMs: r.first_ms === null ? null : Number(r.first_ms),
    error: r.error,
    createdAt: r.created_at,
  };
}
