/**
 * The HTTP API as a Fastify instance (built, not listening: tests use inject() or listen on port 0).
 * OpenAPI 3 is generated from the route schemas and served at /api/openapi.json, the interactive
 * page at /api/docs.
 */
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import type { KadrApp } from '../app/index.js';
import { requireBearerToken } from './auth.js';
import { registerErrorHandler } from './errors.js';
import { ErrorBody, Video } from './videos.schema.js';
import { videosRoutes } from './videos.routes.js';

export async function buildServer(
  app: KadrApp,
  options: { logger?: boolean } = {},
): Promise<FastifyInstance> {
  const { config } = app;
  const server = Fastify({
    logger: options.logger ? { level: config.logLevel } : false,
    // Uploads stream through; only JSON bodies are bounded by this.
    bodyLimit: 1024 * 1024,
    // Live-event streams never end by themselves; closing the server must not wait for them.
    forceCloseConnections: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  registerErrorHandler(server, app.log.child({ module: 'api' }));
  server.addSchema(Video);
  server.addSchema(ErrorBody);

  await server.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'kadr API',
        version: '0.1.0',
        description: 'Video analytics jobs: upload, progress, results.',
      },
      components: config.apiToken ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {},
      ...(config.apiToken ? { security: [{ bearer: [] }] } : {}),
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (json.$id as string) || `def-${i}` },
  });
  await server.register(swaggerUi, { routePrefix: '/api/docs' });

  server.get(
    '/api/openapi.json',
    { schema: { hide: true, response: { 200: Type.Object({}, { additionalProperties: true }) } } },
    async () => server.swagger(),
  );

  await server.register(
    async (api) => {
      if (config.apiToken) requireBearerToken(api, config.apiToken);
      await api.register(multipart, {
        limits: {
          // One byte over the limit so that our own check (with a clear message) is what fires.
          fileSize: config.uploadMaxBytes + 1,
          files: config.uploadMaxFiles,
          fields: 20,
          parts: config.uploadMaxFiles + 20,
        },
      });
      await api.register(videosRoutes, { videos: app.videos, uploadMaxFiles: config.uploadMaxFiles });
    },
    { prefix: '/api' },
  );

  return server;
}
