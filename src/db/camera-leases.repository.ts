/**
 * The tables that divide cameras between nodes (migration 006, docs/nodes.md): `kadr_nodes` and
 * `camera_leases`. Every expiry is computed and compared on the database's clock (now()), never a
 * node's. Each change of ownership is one statement whose WHERE re-checks the expiry on the row it
 * locks, so two nodes claiming the same camera at once cannot both get it: the second one's
 * INSERT ... ON CONFLICT DO UPDATE waits for the first to commit, then finds the lease alive and
 * skips it (PostgreSQL re-evaluates the conflict's WHERE on the newest row version).
 */
import type pg from 'pg';

export interface NodeRow {
  id: string;
  httpUrl: string;
  rtspUrl: string;
}

/** A lease this node just took, and what came before it. */
export interface ClaimedLease {
  cameraId: string;
  /** The node that held the lease before, if any (may be this node after a restart). */
  previousNodeId: string | null;
  /** The previous lease expired instead of being given back: its owner died or lost the database. */
  previousLost: boolean;
}

/** Who owns a camera now (a live lease) and the owner's last health snapshot. */
export interface CameraPlacement {
  cameraId: string;
  cameraName: string;
  node: NodeRow;
  health: unknown;
}

const ms = (param: string) => `(${param}::double precision * interval '1 millisecond')`;

export class CameraLeasesRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Registers the node, or renews its row, alive for `ttlMs` more. */
  async heartbeatNode(node: NodeRow, ttlMs: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO kadr_nodes (id, http_url, rtsp_url, expires_at) VALUES ($1, $2, $3, now() + ${ms('$4')})
       ON CONFLICT (id) DO UPDATE SET http_url = EXCLUDED.http_url, rtsp_url = EXCLUDED.rtsp_url,
         expires_at = EXCLUDED.expires_at`,
      [node.id, node.httpUrl, node.rtspUrl, ttlMs],
    );
  }

  /**
   * Renews this node's live leases, writing each camera's health snapshot; returns the cameras still
   * held. A camera missing from the answer is no longer this node's (expired, taken, or deleted).
   */
  async renew(nodeId: string, ttlMs: number, health: Record<string, unknown>): Promise<Set<string>> {
    const res = await this.pool.query<{ camera_id: string }>(
      `UPDATE camera_leases l SET expires_at = now() + ${ms('$2')},
         health = COALESCE(($3::jsonb) -> l.camera_id::text, l.health)
       WHERE l.node_id = $1 AND l.expires_at > now() AND NOT l.released
       RETURNING l.camera_id`,
      [nodeId, ttlMs, JSON.stringify(health)],
    );
    return new Set(res.rows.map((r) => r.camera_id));
  }

  /** Live nodes and the cameras in the registry that are pulled (shared out), for the fair share. */
  async counts(): Promise<{ nodes: number; cameras: number }> {
    const res = await this.pool.query<{ nodes: string; cameras: string }>(
      `SELECT (SELECT count(*) FROM kadr_nodes WHERE expires_at > now()) AS nodes,
              (SELECT count(*) FROM cameras WHERE transport <> 'push') AS cameras`,
    );
    const row = res.rows[0]!;
    return { nodes: Number(row.nodes), cameras: Number(row.cameras) };
  }

  /**
   * Takes up to `limit` cameras nobody holds (no lease, or one that expired or was given back), in
   * one atomic statement, picked at random so that nodes claiming at the same moment mostly reach for
   * different cameras. Returns what was taken.
   */
  async claim(nodeId: string, ttlMs: number, limit: number): Promise<ClaimedLease[]> {
    if (limit <= 0) return [];
    const res = await this.pool.query<{
      camera_id: string;
      previous_node_id: string | null;
      previous_lost: boolean;
    }>(
      `INSERT INTO camera_leases AS l (camera_id, node_id, expires_at)
       SELECT c.id, $1, now() + ${ms('$2')} FROM cameras c
       WHERE c.transport <> 'push' AND NOT EXISTS (SELECT 1 FROM camera_leases x WHERE x.camera_id = c.id
                           AND x.expires_at > now() AND NOT x.released)
       ORDER BY random()
       LIMIT $3
       ON CONFLICT (camera_id) DO UPDATE SET node_id = EXCLUDED.node_id,
         expires_at = EXCLUDED.expires_at, acquired_at = now(), released = false, health = NULL,
         previous_node_id = l.node_id, previous_lost = NOT l.released
       WHERE l.expires_at <= now() OR l.released
       RETURNING l.camera_id, l.previous_node_id, l.previous_lost`,
      [nodeId, ttlMs, limit],
    );
    return res.rows.map((r) => ({
      cameraId: r.camera_id,
      previousNodeId: r.previous_node_id,
      previousLost: r.previous_lost,
    }));
  }

  /**
   * Takes the lease of one camera for this node when nobody else holds it (a push camera whose session
   * opened here; docs/nodes.md): the new lease, or null when another node holds it alive.
   */
  async claimOne(nodeId: string, ttlMs: number, cameraId: string): Promise<ClaimedLease | null> {
    const res = await this.pool.query<{
      camera_id: string;
      previous_node_id: string | null;
      previous_lost: boolean;
    }>(
      `INSERT INTO camera_leases AS l (camera_id, node_id, expires_at)
       VALUES ($3, $1, now() + ${ms('$2')})
       ON CONFLICT (camera_id) DO UPDATE SET node_id = EXCLUDED.node_id,
         expires_at = EXCLUDED.expires_at, acquired_at = now(), released = false, health = NULL,
         previous_node_id = l.node_id, previous_lost = NOT l.released
       WHERE l.expires_at <= now() OR l.released OR l.node_id = EXCLUDED.node_id
       RETURNING l.camera_id, l.previous_node_id, l.previous_lost`,
      [nodeId, ttlMs, cameraId],
    );
    const r = res.rows[0];
    return r
      ? { cameraId: r.camera_id, previousNodeId: r.previous_node_id, previousLost: r.previous_lost }
      : null;
  }

  /** Gives leases up now (another node may take them at its next heartbeat). */
  async release(nodeId: string, cameraIds: string[]): Promise<void> {
    if (!cameraIds.length) return;
    await this.pool.query(
      `UPDATE camera_leases SET released = true, expires_at = now(), health = NULL
       WHERE node_id = $1 AND camera_id = ANY($2::uuid[])`,
      [nodeId, cameraIds],
    );
  }

  /** A clean shutdown: every lease given back and the node gone from the live count. */
  async leave(nodeId: string): Promise<void> {
    await this.pool.query(
      `UPDATE camera_leases SET released = true, expires_at = now(), health = NULL
       WHERE node_id = $1 AND NOT released`,
      [nodeId],
    );
    await this.pool.query('DELETE FROM kadr_nodes WHERE id = $1', [nodeId]);
  }

  /** Every camera with a live lease, with its owner (by camera id). */
  async placements(): Promise<Map<string, CameraPlacement>> {
    return this.placementsWhere('', []);
  }

  /** The owner of the camera of that name, when it has one. */
  async placementByName(name: string): Promise<CameraPlacement | undefined> {
    return [...(await this.placementsWhere('AND c.name = $1', [name])).values()][0];
  }

  private async placementsWhere(where: string, params: unknown[]): Promise<Map<string, CameraPlacement>> {
    const res = await this.pool.query<{
      camera_id: string;
      name: string;
      node_id: string;
      http_url: string;
      rtsp_url: string;
      health: unknown;
    }>(
      `SELECT l.camera_id, c.name, l.node_id, n.http_url, n.rtsp_url, l.health
       FROM camera_leases l JOIN cameras c ON c.id = l.camera_id JOIN kadr_nodes n ON n.id = l.node_id
       WHERE l.expires_at > now() AND NOT l.released ${where}`,
      params,
    );
    return new Map(
      res.rows.map((r) => [
        r.camera_id,
        {
          cameraId: r.camera_id,
          cameraName: r.name,
          node: { id: r.node_id, httpUrl: r.http_url, rtspUrl: r.rtsp_url },
          health: r.health,
        },
      ]),
    );
  }
}
