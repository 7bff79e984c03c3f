/**
 * /api/cameras: the camera registry (add, list, show, change, remove, recording on / off) and
 * /metrics. Each handler is one call into app/ (CamerasService); schemas live in cameras.schema.ts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { CamerasService } from '../app/index.js';
import { Camera, CameraCreateBody, CameraList, CameraParams, CameraPatchBody } from './cameras.schema.js';
import { ErrorBody, errorResponses } from './videos.schema.js';
import { isKadrError } from '../core/errors.js';
import { HttpKadrError } from './errors.js';

export interface CamerasRoutesOptions {
  cameras: CamerasService;
}

const tags = ['cameras'];

/**
 * Credentials that cannot be stored or opened (no KADR_SECRET_KEY with an external database, or not
 * the key they were sealed with) are the server's configuration, but the request itself was valid:
 * 422 with KADR_ERR_CONFIG and the hint, never a 5xx for what a client sent.
 */
async function keyProblemsAs422<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (isKadrError(error, 'KADR_ERR_CONFIG')) {
      throw new HttpKadrError(422, error.code, error.message, error.hint ? { hint: error.hint } : undefined);
    }
    throw error;
  }
}
const camera = Type.Ref(Camera);

export const camerasRoutes: FastifyPluginAsyncTypebox<CamerasRoutesOptions> = async (app, opts) => {
  const { cameras } = opts;

  app.post(
    '/cameras',
    {
      schema: {
        tags,
        summary: 'Add a camera (409 when the name is taken); credentials are encrypted and never shown',
        body: CameraCreateBody,
        response: { 201: camera, 422: Type.Ref(ErrorBody), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await keyProblemsAs422(cameras.create(request.body))),
  );

  app.get(
    '/cameras',
    { schema: { tags, summary: 'Every camera, by name', response: { 200: CameraList, ...errorResponses } } },
    async () => ({ items: await cameras.list() }),
  );

  app.get(
    '/cameras/:id',
    {
      schema: {
        tags,
        summary: 'One camera with its state and health',
        params: CameraParams,
        response: { 200: camera, ...errorResponses },
      },
    },
    async (request) => cameras.get(request.params.id),
  );

  app.patch(
    '/cameras/:id',
    {
      schema: {
        tags,
        summary: 'Change a camera; the live connection is replaced when the URL or transport changed',
        params: CameraParams,
        body: CameraPatchBody,
        response: { 200: camera, 422: Type.Ref(ErrorBody), ...errorResponses },
      },
    },
    async (request) => keyProblemsAs422(cameras.update(request.params.id, request.body)),
  );

  app.delete(
    '/cameras/:id',
    {
      schema: {
        tags,
        summary: 'Remove a camera (its recording stops first)',
        params: CameraParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await cameras.remove(request.params.id);
      return reply.status(204).send(null);
    },
  );

  for (const action of ['start', 'stop'] as const) {
    app.post(
      `/cameras/:id/recording/${action}`,
      {
        schema: {
          tags,
          summary:
            action === 'start'
              ? 'Switch recording on (kept across restarts) and start the recorder'
              : 'Switch recording off and stop the recorder',
          params: CameraParams,
          response: { 200: camera, ...errorResponses },
        },
      },
      async (request) =>
        action === 'start'
          ? cameras.startRecording(request.params.id)
          : cameras.stopRecording(request.params.id),
    );
  }
};

/** GET /metrics: Prometheus text exposition format 0.0.4. */
export const metricsRoutes: FastifyPluginAsyncTypebox<CamerasRoutesOptions> = async (app, opts) => {
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['metrics'],
        summary: 'Prometheus metrics: cameras, their state and health',
        produces: ['text/plain'],
        response: { 200: Type.String({ description: 'text/plain; version=0.0.4' }), ...errorResponses },
      },
    },
    async (_request, reply) =>
      reply.type('text/plain; version=0.0.4; charset=utf-8').send(await opts.cameras.metricsText()),
  );
};
