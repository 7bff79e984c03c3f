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
import { videoFramesRoutes } from './video-frames.routes.js';
import { profilePhotosRoutes } from './profile-photos.routes.js';
import { profilesRoutes } from './profiles.routes.js';
import { Camera } from './cameras.schema.js';
import { camerasRoutes, metricsRoutes } from './cameras.routes.js';
import { analyticsRoutes } from './analytics.routes.js';
import { AnalyticsEvent } from './analytics.schema.js';
import { cameraRecordingsRoutes } from './camera-recordings.routes.js';
import { cameraExportsRoutes } from './camera-exports.routes.js';
import { frameSessionsRoutes } from './frame-sessions.routes.js';
import { ingestRoutes } from './ingest.routes.js';
import { cameraGroupsRoutes } from './camera-groups.routes.js';
import { liveRoutes } from './live.routes.js';
import { livePageRoutes } from './live-page.routes.js';
import { LiveStream } from './live.schema.js';
import { redirectLiveToOwner } from './node-redirect.js';
import { onvifRoutes } from './onvif.routes.js';
import { whepRoutes } from './whep.routes.js';
import { whipRoutes } from './whip.routes.js';
import { webcamPageRoutes } from './webcam-page.routes.js';
import type { WebRtcServer } from '../webrtc/index.js';
import { DEFAULT_WEB_ROOT, isUiPage, sendIndex, webUiRoutes } from './web-ui.routes.js';

/** Open sockets at most (SSE clients included). */
export const MAX_CONNECTIONS = 1000;

/**
 * Timeouts of the HTTP server. Node's own header deadline is tied to requestTimeout, which Fastify
 * turns off (a 20 GB upload must not have a total deadline); without setting it again a client that
 * trickles header bytes keeps its socket forever, since the idle timer restarts on every byte.
 */
export const httpLimits = {
  /** A socket with no bytes either way for this long is closed (SSE sends a comment every 15 s). */
  connectionTimeout: 120_000,
  /**
   * An idle keep-alive socket between requests: Fastify's default, longer than the idle timeout of
   * the proxies put in front (60 s is common), so that the proxy, not kadr, closes first and never
   * sends a request into a socket kadr is closing.
   */
  keepAliveTimeout: 72_000,
  /** The whole request, body included: none, uploads are bounded by size and idle time instead. */
  requestTimeout: 0,
  http: {
    /** The request line and headers must be complete this long after the first byte. */
    headersTimeout: 10_000,
    requestTimeout: 0,
    /** How often Node checks the deadline above (its default, 30 s, would let a header trickle 40 s). */
    connectionsCheckingInterval: 1_000,
  },
};

export async function buildServer(
  app: KadrApp,
  options: {
    logger?: boolean;
    webrtc?: WebRtcServer;
    /** The built web UI (default dist/web). */ webRoot?: string;
  } = {},
): Promise<FastifyInstance> {
  const { config } = app;
  const server = Fastify({
    logger: options.logger ? { level: config.logLevel } : false,
    // Uploads stream through; only JSON bodies are bounded by this.
    bodyLimit: 1024 * 1024,
    // Live-event streams never end by themselves; closing the server must not wait for them.
    forceCloseConnections: true,
    ...httpLimits,
    // A JSON body with "__proto__" or "constructor.prototype" is refused (400), never merged.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Past this many open sockets new ones are refused at once: a flood of idle connections then costs
  // their clients, not the file descriptors that PostgreSQL and the object store need.
  server.server.maxConnections = MAX_CONNECTIONS;

  registerErrorHandler(server, app.log.child({ module: 'api' }));
  const webRoot = options.webRoot ?? DEFAULT_WEB_ROOT;
  server.setNotFoundHandler((request, reply) =>
    isUiPage(request)
      ? sendIndex(webRoot, reply)
      : reply.status(404).send({
          error: {
            code: 'KADR_ERR_NOT_FOUND',
            message: `no route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`,
            hint: 'the API is described at /api/docs',
          },
        }),
  );
  redirectLiveToOwner(server, {
    isLocal: (name) => app.live.get(name) !== undefined,
    owner: async (name) => (await app.cameras.ownerElsewhere(name))?.httpUrl,
    token: config.apiToken,
  });
  server.addSchema(Video);
  server.addSchema(ErrorBody);
  server.addSchema(Camera);
  server.addSchema(LiveStream);
  server.addSchema(AnalyticsEvent);

  await server.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'kadr API',
        version: '0.1.0',
        description: 'Video analytics jobs: upload, progress, results. Cameras: registry, state, recording.',
      },
      components: config.apiToken ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {},
      ...(config.apiToken ? { security: [{ bearer: [] }] } : {}),
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (json.$id as string) || `def-${i}` },
  });
  await server.register(swaggerUi, { routePrefix: '/api/docs' });

  // The web UI: a person who opens the server's address lands on it.
  webUiRoutes(server, webRoot);

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
      await api.register(videosRoutes, {
        videos: app.videos,
        uploadMaxFiles: config.uploadMaxFiles,
        profiles: app.profiles,
      });
      await api.register(videoFramesRoutes, { frames: app.videoFrames });
      await api.register(profilesRoutes, { profiles: app.profiles, corrections: app.profileCorrections });
      await api.register(profilePhotosRoutes, { photos: app.profilePhotos });
      await api.register(camerasRoutes, { cameras: app.cameras });
      await api.register(analyticsRoutes, {
        analytics: app.analytics,
        cameras: app.cameras,
        corrections: app.eventCorrections,
      });
      await api.register(cameraRecordingsRoutes, { playback: app.cameraPlayback });
      await api.register(frameSessionsRoutes, { sessions: app.frameSessions });
      await api.register(cameraExportsRoutes, { exports: app.cameraExports });
      await api.register(ingestRoutes, { ingest: app.ingest, frameMaxBytes: config.ingestFrameMaxBytes });
      await api.register(cameraGroupsRoutes, { groups: app.cameraGroups, triggers: app.cameraTriggers });
      await api.register(liveRoutes, {
        live: app.live,
        hls: app.hls,
        elsewhere: () => app.cameras.liveElsewhere(),
      });
      await api.register(onvifRoutes, { onvif: app.onvif });
      await api.register(whepRoutes, { live: app.live, webrtc: options.webrtc });
      await api.register(whipRoutes, { whip: app.whip, live: app.live, webrtc: options.webrtc });
    },
    { prefix: '/api' },
  );

  // The player page and its assets: no token (the API calls it makes send it).
  await server.register(livePageRoutes);
  await server.register(webcamPageRoutes);

  // Outside /api, where Prometheus looks by default; the same token as the API.
  await server.register(async (metrics) => {
    if (config.apiToken) requireBearerToken(metrics, config.apiToken);
    await metrics.register(metricsRoutes, { cameras: app.cameras });
  });

  return server;
}
