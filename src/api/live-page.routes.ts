/**
 * The player page `/live/<name>` and its assets, outside /api and without the API token (they hold
 * nothing secret; the API calls the page makes carry the token). hls.js is served from kadr's own
 * node_modules, found by module resolution, read once.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { playerPage, playerScript } from './live-page.js';
import { LiveParams, PlayerQuery } from './live.schema.js';

const JS = 'text/javascript; charset=utf-8';
let hlsJs: Promise<Buffer> | null = null;

export const livePageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/live/:name',
    { schema: { hide: true, params: LiveParams, querystring: PlayerQuery } },
    async (request, reply) =>
      (reply as FastifyReply)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(playerPage(request.params.name)),
  );
  app.get('/live/assets/player.js', { schema: { hide: true } }, async (_request, reply) =>
    (reply as FastifyReply).type(JS).header('cache-control', 'no-cache').send(playerScript),
  );
  app.get('/live/assets/hls.min.js', { schema: { hide: true } }, async (_request, reply) => {
    hlsJs ??= readFile(createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js'));
    return (reply as FastifyReply)
      .type(JS)
      .header('cache-control', 'max-age=3600')
      .send(await hlsJs);
  });
};
