/**
 * How this `kadr serve` takes part in sharing cameras with other nodes on the same database
 * (docs/nodes.md): its id, the addresses other nodes redirect clients to, and the lease timing.
 */
import type { Environment } from './sections.js';
import { integer, invalid, nonEmpty } from './values.js';

export interface NodeConfig {
  /** KADR_NODE_ID; undefined: `<host name>:<HTTP port>`, the same after a restart. */
  readonly id: string | undefined;
  /** KADR_NODE_URL: this node's HTTP API as other nodes send clients to it; undefined: from host and port. */
  readonly url: string | undefined;
  /** KADR_NODE_HEARTBEAT_MS: how often leases are renewed and cameras claimed (default 2000). */
  readonly heartbeatMs: number;
  /** KADR_NODE_LEASE_MS: a lease not renewed this long is free for another node (default 8000). */
  readonly leaseMs: number;
}

export function readNodeConfig(env: Environment): NodeConfig {
  const id = nonEmpty(env.KADR_NODE_ID);
  if (id !== undefined && !/^[\w.:@-]{1,200}$/.test(id)) {
    throw invalid('KADR_NODE_ID', id, 'must be 1–200 letters, digits or . : @ _ -');
  }
  const url = nonEmpty(env.KADR_NODE_URL);
  if (url !== undefined && !/^https?:\/\/[^/?#\s]+\/?$/.test(url)) {
    throw invalid('KADR_NODE_URL', url, 'must be http(s)://host:port, without a path');
  }
  const heartbeatRaw = nonEmpty(env.KADR_NODE_HEARTBEAT_MS);
  const heartbeatMs = heartbeatRaw ? integer('KADR_NODE_HEARTBEAT_MS', heartbeatRaw, 100, 60_000) : 2000;
  const leaseRaw = nonEmpty(env.KADR_NODE_LEASE_MS);
  const leaseMs = leaseRaw ? integer('KADR_NODE_LEASE_MS', leaseRaw, 500, 600_000) : 8000;
  // A lease must outlive a missed heartbeat or two, or a busy node would lose its cameras.
  if (leaseMs < 3 * heartbeatMs) {
    throw invalid(
      'KADR_NODE_LEASE_MS',
      String(leaseMs),
      `must be at least 3 heartbeats (${3 * heartbeatMs})`,
    );
  }
  return Object.freeze({ id, url: url?.replace(/\/$/, ''), heartbeatMs, leaseMs });
}
