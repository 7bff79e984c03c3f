/**
 * The webcam page `/webcam` and its script, outside /api and without the API token (they hold nothing
 * secret; the WHIP calls the page makes carry the token).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { webcamPage, webcamScript } from './webcam-page.js';

export const webcamPageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/webcam', { schema: { hide: true } }, async (_request, reply) =>
    (reply as FastifyReply)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(webcamPage),
  );
  app.get('/webcam/assets/webcam.js', { schema: { hide: true } }, async (_request, reply) =>
    (reply as FastifyReply)
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(webcamScript),
  );
};
