/**
 * The `cameras` table (migration 004): the registry of live sources. `url` never holds credentials;
 * `credentials` is the encrypted `user:password` (src/app/cameras/camera-secrets.ts), opaque here.
 * A duplicate name is reported as `null` / `'duplicate'`, not as a pg error, so that the service
 * can answer 409 without knowing PostgreSQL's error codes.
 */
import type pg from 'pg';

export interface CameraRow {
  id: string;
  name: string;
  url: string;
  credentials: Buffer | null;
  /** 'push': the video is pushed to kadr (WHIP, JPEG ingest); `url` is empty then. */
  transport: 'tcp' | 'udp' | 'push';
  onDemand: boolean;
  record: boolean;
  retentionMaxAgeS: number | null;
  retentionMaxBytes: number | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A new camera; the id is chosen by the caller (the credentials are bound to it when encrypted). */
export type NewCamera = Omit<CameraRow, 'createdAt' | 'updatedAt'>;

/** Columns that may change after creation. */
export type CameraChanges = Partial<Omit<CameraRow, 'id' | 'createdAt' | 'updatedAt'>>;

interface DbCamera {
  id: string;
  name: string;
  url: string;
  credentials: Buffer | null;
  transport: 'tcp' | 'udp' | 'push';
  on_demand: boolean;
  record: boolean;
  retention_max_age_s: string | null;
  retention_max_bytes: string | null;
  created_at: Date;
  updated_at: Date;
}

const toCamera = (r: DbCamera): CameraRow => ({
  id: r.id,
  name: r.name,
  url: r.url,
  credentials: r.credentials,
  transport: r.transport,
  onDemand: r.on_demand,
  record: r.record,
  retentionMaxAgeS: r.retention_max_age_s === null ? null : Number(r.retention_max_age_s),
  retentionMaxBytes: r.retention_max_bytes === null ? null : Number(r.retention_max_bytes),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const COLUMNS: Record<keyof CameraChanges, string> = {
  name: 'name',
  url: 'url',
  credentials: 'credentials',
  transport: 'transport',
  onDemand: 'on_demand',
  record: 'record',
  retentionMaxAgeS: 'retention_max_age_s',
  retentionMaxBytes: 'retention_max_bytes',
};

/** PostgreSQL's unique_violation (Appendix A of its manual). */
const isUniqueViolation = (error: unknown) => (error as { code?: string })?.code === '23505';

export class CamerasRepository {
  constructor(private readonly db: pg.Pool) {}

  /** The new row, or null when the name is taken. */
  async insert(camera: NewCamera): Promise<CameraRow | null> {
    try {
      const res = await this.db.query<DbCamera>(
        `INSERT INTO cameras (id, name, url, credentials, transport, on_demand, record,
           retention_max_age_s, retention_max_bytes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [
          camera.id,
          camera.name,
          camera.url,
          camera.credentials,
          camera.transport,
          camera.onDemand,
          camera.record,
          camera.retentionMaxAgeS,
          camera.retentionMaxBytes,
        ],
      );
      return toCamera(res.rows[0]!);
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /** Every camera, by name (a registry holds tens to a few thousand, not millions). */
  async list(): Promise<CameraRow[]> {
    const res = await this.db.query<DbCamera>('SELECT * FROM cameras ORDER BY name');
    return res.rows.map(toCamera);
  }

  async get(id: string): Promise<CameraRow | null> {
    const res = await this.db.query<DbCamera>('SELECT * FROM cameras WHERE id = $1', [id]);
    return res.rows[0] ? toCamera(res.rows[0]) : null;
  }

  async getByName(name: string): Promise<CameraRow | null> {
    const res = await this.db.query<DbCamera>('SELECT * FROM cameras WHERE name = $1', [name]);
    return res.rows[0] ? toCamera(res.rows[0]) : null;
  }

  /** The updated row; null when there is no such camera; 'duplicate' when the new name is taken. */
  async update(id: string, changes: CameraChanges): Promise<CameraRow | null | 'duplicate'> {
    const keys = (Object.keys(changes) as (keyof CameraChanges)[]).filter((k) => changes[k] !== undefined);
    const sets = keys.map((k, i) => `${COLUMNS[k]} = $${i + 2}`);
    sets.push('updated_at = now()');
    try {
      const res = await this.db.query<DbCamera>(
        `UPDATE cameras SET ${sets.join(', ')} WHERE id = $1 RETURNING *`,
        [id, ...keys.map((k) => changes[k])],
      );
      return res.rows[0] ? toCamera(res.rows[0]) : null;
    } catch (error) {
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
  }

  /** True when a row was deleted. */
  async delete(id: string): Promise<boolean> {
    const res = await this.db.query('DELETE FROM cameras WHERE id = $1', [id]);
    return (res.rowCount ?? 0) > 0;
  }
}
