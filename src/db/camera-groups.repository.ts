/**
 * The `camera_groups`, `camera_group_members` and `camera_triggers` tables (migration 008). A
 * duplicate group name is reported as `'duplicate'` and an unknown camera as `'unknown-camera'`, not
 * as pg errors, so that the service can answer 409 / 404 without knowing PostgreSQL's error codes.
 */
import type pg from 'pg';

export interface CameraGroupRow {
  id: string;
  name: string;
  /** In the order given. */
  cameraIds: string[];
  createdAt: Date;
  updatedAt: Date;
}

export type CameraTriggerStatus = 'recording' | 'exporting' | 'done' | 'failed';

export interface CameraTriggerRow {
  id: string;
  groupId: string | null;
  cameraIds: string[];
  atMs: number;
  preRollMs: number;
  durationMs: number;
  status: CameraTriggerStatus;
  progress: number;
  startedRecording: string[];
  /** Written by the trigger runner (app/cameras/camera-triggers.ts), read back whole. */
  result: unknown;
  error: string | null;
  createdAt: Date;
}

export type GroupWriteProblem = 'duplicate' | 'unknown-camera';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ts = (param: string) => `to_timestamp(${param}::double precision / 1000)`;

const GROUP_COLUMNS = `g.id, g.name, g.created_at, g.updated_at,
  COALESCE((SELECT array_agg(m.camera_id::text ORDER BY m.position) FROM camera_group_members m
            WHERE m.group_id = g.id), '{}') AS camera_ids`;
const TRIGGER_COLUMNS = `id, group_id, camera_ids::text[] AS camera_ids,
  extract(epoch FROM at) * 1000 AS at_ms, pre_roll_ms, duration_ms, status, progress,
  started_recording::text[] AS started_recording, result, error, created_at`;

interface DbGroup {
  id: string;
  name: string;
  camera_ids: string[];
  created_at: Date;
  updated_at: Date;
}
interface DbTrigger {
  id: string;
  group_id: string | null;
  camera_ids: string[];
  at_ms: string;
  pre_roll_ms: number;
  duration_ms: number;
  status: CameraTriggerStatus;
  progress: number;
  started_recording: string[];
  result: unknown;
  error: string | null;
  created_at: Date;
}

const toGroup = (r: DbGroup): CameraGroupRow => ({
  id: r.id,
  name: r.name,
  cameraIds: r.camera_ids,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
const toTrigger = (r: DbTrigger): CameraTriggerRow => ({
  id: r.id,
  groupId: r.group_id,
  cameraIds: r.camera_ids,
  atMs: Number(r.at_ms),
  preRollMs: Number(r.pre_roll_ms),
  durationMs: Number(r.duration_ms),
  status: r.status,
  progress: Number(r.progress),
  startedRecording: r.started_recording,
  result: r.result,
  error: r.error,
  createdAt: r.created_at,
});

/** pg's unique_violation and foreign_key_violation. */
function problem(error: unknown): GroupWriteProblem | undefined {
  const code = (error as { code?: string }).code;
  if (code === '23505') return 'duplicate';
  if (code === '23503') return 'unknown-camera';
  return undefined;
}

export class CameraGroupsRepository {
  constructor(private readonly pool: pg.Pool) {}

  async list(): Promise<CameraGroupRow[]> {
    const res = await this.pool.query<DbGroup>(
      `SELECT ${GROUP_COLUMNS} FROM camera_groups g ORDER BY g.name`,
    );
    return res.rows.map(toGroup);
  }

  /** undefined for an unknown id, or one that is not a uuid. */
  async get(id: string): Promise<CameraGroupRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const res = await this.pool.query<DbGroup>(
      `SELECT ${GROUP_COLUMNS} FROM camera_groups g WHERE g.id = $1`,
      [id],
    );
    return res.rows[0] ? toGroup(res.rows[0]) : undefined;
  }

  /** Creates a group, or changes its name and / or members; one transaction. */
  async save(group: {
    id?: string;
    name?: string;
    cameraIds?: string[];
  }): Promise<CameraGroupRow | GroupWriteProblem | undefined> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      let id = group.id;
      if (id === undefined) {
        const res = await client.query<{ id: string }>(
          'INSERT INTO camera_groups (name) VALUES ($1) RETURNING id',
          [group.name],
        );
        id = res.rows[0]!.id;
      } else {
        const res = await client.query(
          'UPDATE camera_groups SET name = COALESCE($2, name), updated_at = now() WHERE id = $1',
          [id, group.name ?? null],
        );
        if (res.rowCount === 0) {
          await client.query('ROLLBACK');
          return undefined;
        }
      }
      if (group.cameraIds) {
        await client.query('DELETE FROM camera_group_members WHERE group_id = $1', [id]);
        await client.query(
          `INSERT INTO camera_group_members (group_id, camera_id, position)
           SELECT $1, c, p FROM unnest($2::uuid[]) WITH ORDINALITY AS t(c, p)`,
          [id, group.cameraIds],
        );
      }
      await client.query('COMMIT');
      return (await this.get(id))!;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      const p = problem(error);
      if (p) return p;
      throw error;
    } finally {
      client.release();
    }
  }

  async remove(id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    const res = await this.pool.query('DELETE FROM camera_groups WHERE id = $1', [id]);
    return (res.rowCount ?? 0) > 0;
  }

  async insertTrigger(t: {
    groupId: string;
    cameraIds: string[];
    atMs: number;
    preRollMs: number;
    durationMs: number;
  }): Promise<CameraTriggerRow> {
    const res = await this.pool.query<DbTrigger>(
      `INSERT INTO camera_triggers (group_id, camera_ids, at, pre_roll_ms, duration_ms)
       VALUES ($1, $2::uuid[], ${ts('$3')}, $4, $5) RETURNING ${TRIGGER_COLUMNS}`,
      [t.groupId, t.cameraIds, t.atMs, t.preRollMs, t.durationMs],
    );
    return toTrigger(res.rows[0]!);
  }

  async getTrigger(id: string): Promise<CameraTriggerRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const res = await this.pool.query<DbTrigger>(
      `SELECT ${TRIGGER_COLUMNS} FROM camera_triggers WHERE id = $1`,
      [id],
    );
    return res.rows[0] ? toTrigger(res.rows[0]) : undefined;
  }

  async updateTrigger(
    id: string,
    changes: {
      status?: CameraTriggerStatus;
      progress?: number;
      startedRecording?: string[];
      result?: unknown;
      error?: string;
    },
  ): Promise<void> {
    await this.pool.query(
      `UPDATE camera_triggers SET status = COALESCE($2, status), progress = COALESCE($3, progress),
         started_recording = COALESCE($4::uuid[], started_recording), result = COALESCE($5, result),
         error = COALESCE($6, error), updated_at = now()
       WHERE id = $1`,
      [
        id,
        changes.status ?? null,
        changes.progress ?? null,
        changes.startedRecording ?? null,
        changes.result === undefined ? null : JSON.stringify(changes.result),
        changes.error ?? null,
      ],
    );
  }

  /**
   * Triggers a stopped process left unfinished (each runs in the process that took it): failed once
   * their row has not moved for `staleS` beyond the end of their window.
   */
  async failStale(staleS: number): Promise<number> {
    const res = await this.pool.query(
      `UPDATE camera_triggers SET status = 'failed', error = 'kadr stopped while the trigger ran',
         updated_at = now()
       WHERE status IN ('recording', 'exporting')
         AND updated_at < now() - make_interval(secs => $1)
         AND at + make_interval(secs => duration_ms / 1000 + $1) < now()`,
      [staleS],
    );
    return res.rowCount ?? 0;
  }
}
