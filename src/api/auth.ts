/**
 * Bearer-token auth for the API, on when KADR_API_TOKEN is set (config refuses a non-loopback
 * listen address without one). The comparison takes the same time whatever the token.
 * A browser's EventSource cannot send headers, so the live-event routes also take the token as
 * `?access_token=`; nothing else does, to keep tokens out of URLs and logs. Which routes is said by
 * the route itself (`config: { queryToken: true }`), never by the URL's text: a URL can end in
 * "/events" on any route (`/api/profiles/x/crop?z=/events`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KadrError } from '../core/errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route also takes the API token as `?access_token=` (EventSource clients). */
    queryToken?: boolean;
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The request's bearer token is this one (compared in constant time). */
export function bearerMatches(request: FastifyRequest, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim();
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

export function requireBearerToken(app: FastifyInstance, token: string): void {
  const expected = digest(token);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const header = request.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    let given = m?.[1]?.trim();
    if (given === undefined && request.method === 'GET' && request.routeOptions.config.queryToken) {
      given = new URL(request.url, 'http://localhost').searchParams.get('access_token') ?? undefined;
    }
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      throw new KadrError('KADR_ERR_UNAUTHORIZED', 'missing or wrong API token', {
        hint: 'send "Authorization: Bearer <KADR_API_TOKEN>"',
      });
    }
  });
}
