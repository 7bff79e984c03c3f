/**
 * Bearer-token auth for the API, on when KADR_API_TOKEN is set (config refuses a non-loopback
 * listen address without one). The comparison takes the same time whatever the token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KadrError } from '../core/errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function requireBearerToken(app: FastifyInstance, token: string): void {
  const expected = digest(token);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const header = request.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m || !timingSafeEqual(digest(m[1]!.trim()), expected)) {
      throw new KadrError('KADR_ERR_UNAUTHORIZED', 'missing or wrong API token', {
        hint: 'send "Authorization: Bearer <KADR_API_TOKEN>"',
      });
    }
  });
}
