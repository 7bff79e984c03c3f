/**
 * Live analytics: attach (`PUT /api/cameras/:id/analytics`) and detach, the detections of a camera's
 * analysed frames, the events (list with filters and cursor paging, snapshot, best face, live SSE feed)
 * and "this is not X" of a face event. Each handler is one call into app/ (LiveAnalyticsService,
 * EventCorrectionsService); schemas in analytics.schema.ts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type {
  CamerasService,
  EventCorrectionsService,
  LiveAnalyticsEvent,
  LiveAnalyticsService,
} from '../app/index.js';
import { KadrError } from '../core/errors.js';
import {
  AnalyticsBody,
  DetectionsList,
  DetectionsQuery,
  EventCorrectionResult,
  EventList,
  EventNotThisPersonBody,
  EventParams,
  EventsQuery,
} from './analytics.schema.js';
import { Camera, CameraParams } from './cameras.schema.js';
import { isoTime } from './iso-time.js';
import { errorResponses } from './videos.schema.js';

export interface AnalyticsRoutesOptions {
  analytics: LiveAnalyticsService;
  cameras: CamerasService;
  corrections: EventCorrectionsService;
}

const tags = ['analytics'];
const DAY_MS = 24 * 3600 * 1000;

export const analyticsRoutes: FastifyPluginAsyncTypebox<AnalyticsRoutesOptions> = async (app, opts) => {
  const { analytics, cameras, corrections } = opts;

  app.put(
    '/cameras/:id/analytics',
    {
      schema: {
        tags,
        summary: 'Attach live analytics to a camera, or change them (kept across restarts)',
        params: CameraParams,
        body: AnalyticsBody,
        response: { 200: Type.Ref(Camera), ...errorResponses },
      },
    },
    async (request) => {
      await analytics.attach(request.params.id, request.body);
      return cameras.get(request.params.id);
    },
  );

  app.delete(
    '/cameras/:id/analytics',
    {
      schema: {
        tags,
        summary: 'Detach the live analytics of a camera (its open events end at the last frame seen)',
        params: CameraParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await analytics.detach(request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/cameras/:id/detections',
    {
      schema: {
        tags,
        summary: 'What every analysed frame of a camera showed between two times',
        params: CameraParams,
        querystring: DetectionsQuery,
        response: { 200: DetectionsList, ...errorResponses },
      },
    },
    async (request) => {
      const from = isoTime('from', request.query.from);
      const to = isoTime('to', request.query.to);
      if (to < from) throw new KadrError('KADR_ERR_VALIDATION', 'to is before from');
      if (to - from > DAY_MS) throw new KadrError('KADR_ERR_VALIDATION', 'a span of one day at most');
      return { frames: await analytics.detections(request.params.id, from, to) };
    },
  );

  app.get(
    '/events',
    {
      schema: {
        tags,
        summary: 'Analytics events, oldest first, filtered by camera, type, time and profile; paged',
        querystring: EventsQuery,
        response: { 200: EventList, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      return analytics.events({
        ...(q.camera ? { camera: q.camera } : {}),
        ...(q.type ? { type: q.type } : {}),
        ...(q.profile ? { profile: q.profile } : {}),
        ...(q.from ? { fromMs: isoTime('from', q.from) } : {}),
        ...(q.to ? { toMs: isoTime('to', q.to) } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
        ...(q.limit ? { limit: q.limit } : {}),
      });
    },
  );

  app.get(
    '/events/stream',
    {
      schema: {
        tags,
        summary: 'Server-sent events: `start`, `update` (better snapshot) and `end` of every event, live',
        querystring: Type.Object({ camera: Type.Optional(Type.String({ format: 'uuid' })) }),
        produces: ['text/event-stream'],
        response: { 200: Type.String({ description: 'text/event-stream' }), ...errorResponses },
      },
      config: { queryToken: true },
    },
    async (request, reply) => {
      const camera = request.query.camera;
      let ended = false;
      const write = (e: LiveAnalyticsEvent) => {
        if (ended || (camera && e.event.cameraId !== camera)) return;
        reply.raw.write(`id: ${e.event.id}\nevent: ${e.phase}\ndata: ${JSON.stringify(e.event)}\n\n`);
      };
      const unsubscribe = analytics.subscribe(write);
      reply.hijack();
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      reply.raw.write('retry: 2000\n\n');
      // A comment every 15 s keeps proxies from closing an idle stream.
      const keepAlive = setInterval(() => reply.raw.write(': keep-alive\n\n'), 15_000);
      request.raw.once('close', () => {
        ended = true;
        clearInterval(keepAlive);
        unsubscribe();
        reply.raw.end();
      });
      return reply;
    },
  );

  app.get(
    '/events/:id/snapshot',
    {
      schema: {
        tags,
        summary: "The event's best analysed frame, JPEG",
        params: EventParams,
        produces: ['image/jpeg'],
        response: { 200: Type.String({ format: 'binary', description: 'image/jpeg' }), ...errorResponses },
      },
    },
    async (request, reply) =>
      (reply as FastifyReply).type('image/jpeg').send(await analytics.snapshot(request.params.id)),
  );

  app.get(
    '/events/:id/face',
    {
      schema: {
        tags,
        summary: "A profile event's best face, JPEG crop of the analysed picture",
        params: EventParams,
        produces: ['image/jpeg'],
        response: { 200: Type.String({ format: 'binary', description: 'image/jpeg' }), ...errorResponses },
      },
    },
    async (request, reply) =>
      (reply as FastifyReply).type('image/jpeg').send(await analytics.faceCrop(request.params.id)),
  );

  app.post(
    '/events/:id/not-this-person',
    {
      schema: {
        tags,
        summary:
          "This face is not the profile the event names: the event names `to` (or a new profile made from the face), the face's embeddings go to that profile, and live matching no longer names the first for faces nearer them",
        params: EventParams,
        body: EventNotThisPersonBody,
        response: { 200: EventCorrectionResult, ...errorResponses },
      },
      // No body at all (curl -X POST) is `{}`: every field is optional.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
    },
    async (request) => corrections.notThisPerson(request.params.id, request.body.to),
  );
};
