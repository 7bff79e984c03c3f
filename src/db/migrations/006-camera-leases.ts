/**
 * Cameras shared between nodes (docs/nodes.md): every `kadr serve` sharing the database registers in
 * `kadr_nodes` (where its HTTP API and RTSP server are reached) and renews that row on each
 * heartbeat; a camera's live runtime and recording run on the one node that holds its row in
 * `camera_leases`. Both expire at `expires_at`, a time on the database's clock (now()), so that the
 * nodes' own clocks never decide who owns what.
 *
 * - `released`: the owner gave the lease up cleanly (shutdown, rebalance); a lease that merely
 *   expired was lost (its owner died or lost the database). The next claim copies both into
 *   `previous_node_id` / `previous_lost`, so the new owner knows which gap it is recording over.
 * - `health`: the owner's snapshot of the camera's state and health, written on each heartbeat, so
 *   that every node answers GET /api/cameras without asking the owner.
 */
export const sql = `
CREATE TABLE kadr_nodes (
  id          text PRIMARY KEY,
  http_url    text NOT NULL,
  rtsp_url    text NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);

CREATE TABLE camera_leases (
  camera_id         uuid PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
  node_id           text NOT NULL,
  acquired_at       timestamptz NOT NULL DEFAULT now(),
  expires_at        timestamptz NOT NULL,
  released          boolean NOT NULL DEFAULT false,
  previous_node_id  text,
  previous_lost     boolean NOT NULL DEFAULT false,
  health            jsonb
);
CREATE INDEX camera_leases_node ON camera_leases (node_id);
`;
