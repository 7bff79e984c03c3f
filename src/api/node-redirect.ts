/**
 * Live endpoints of a camera that another node runs (docs/nodes.md): `/api/live/<name>/...` (HLS,
 * WHEP) and the player page `/live/<name>` need the camera's live runtime, which only its owner has,
 * so they are answered with 307 Temporary Redirect to the same path on the owner (307 keeps the
 * method and body: a WHEP POST stays a POST). Everything else answers from any node: the registry,
 * recordings and frames come from PostgreSQL and the object store.
 *
 * Only a request that carries the right token is redirected (when the API has one), so that the
 * owner of a camera is not told to whoever asks. Clients must send the token again to the owner:
 * fetch and curl drop Authorization when a redirect changes the origin.
 */
import type { FastifyInstance } from 'fastify';
import { bearerMatches } from './auth.js';

export interface NodeRedirectOptions {
  /** The camera runs in this process (no redirect). */
  isLocal(name: string): boolean;
  /** The owner's HTTP base URL when another node runs the camera. */
  owner(name: string): Promise<string | undefined>;
  token: string | undefined;
}

const LIVE_PATH = /^\/(?:api\/)?live\/([^/?#]+)/;

export function redirectLiveToOwner(server: FastifyInstance, o: NodeRedirectOptions): void {
  server.addHook('onRequest', async (request, reply) => {
    const m = LIVE_PATH.exec(request.url);
    if (!m) return;
    let name: string;
    try {
      name = decodeURIComponent(m[1]!);
    } catch {
      return;
    }
    if (o.isLocal(name)) return;
    if (o.token !== undefined && !bearerMatches(request, o.token)) return;
    const base = await o.owner(name);
    if (base === undefined) return;
    return reply.redirect(`${base}${request.url}`, 307);
  });
}
