/**
 * Frame stepping through a camera's recording: a session per viewer keeps a decoder warm
 * (POST), answers a frame by wallclock or by segment and index, stepped forward or back (GET
 * .../frame), and is closed by its viewer (DELETE) or after a minute unused. The JPEG answer
 * names its frame in X-Kadr-* headers, so one request gives the picture and which frame it is.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { CameraFrameSessions, FrameOrigin } from '../app/index.js';
import { KadrError } from '../core/errors.js';
import { CameraParams } from './camera-recordings.schema.js';
import {
  FrameSession,
  FrameSessionParams,
  SessionFrameInfo,
  SessionFrameQuery,
} from './frame-sessions.schema.js';
import { isoTime } from './iso-time.js';
import { errorResponses } from './videos.schema.js';

export interface FrameSessionsRoutesOptions {
  sessions: CameraFrameSessions;
}

const tags = ['cameras'];

export const frameSessionsRoutes: FastifyPluginAsyncTypebox<FrameSessionsRoutesOptions> = async (
  app,
  opts,
) => {
  const { sessions } = opts;

  app.post(
    '/cameras/:id/frame-sessions',
    {
      schema: {
        tags,
        summary: 'Open a frame session: a warm decoder for stepping through the recording frame by frame',
        description:
          'A few are open per process at most (409 when all are in use); each closes after idleTimeoutS unused.',
        params: CameraParams,
        response: { 201: FrameSession, ...errorResponses },
      },
    },
    async (request, reply) => {
      const session = await sessions.open(request.params.id);
      return reply
        .status(201)
        .header('location', `/api/cameras/${session.cameraId}/frame-sessions/${session.id}`)
        .send(session);
    },
  );

  app.get(
    '/cameras/:id/frame-sessions/:session/frame',
    {
      schema: {
        tags,
        summary: 'A frame of the recording through a session: at a wallclock, or stepped from a frame',
        description:
          'Start from `at` (the frame shown then) or from `segment` and `index`; `step` frames later (earlier when negative), across segments. JPEG by default, its frame in headers X-Kadr-Frame-Time, X-Kadr-Wallclock-Ms, X-Kadr-Segment, X-Kadr-Frame-Index, X-Kadr-Pts, X-Kadr-Time-Base, X-Kadr-Decoded; format=json gives the same without the picture. 404 past either end of the recording.',
        params: FrameSessionParams,
        querystring: SessionFrameQuery,
        produces: ['image/jpeg', 'application/json'],
        response: {
          200: Type.Union([SessionFrameInfo, Type.String({ format: 'binary', description: 'image/jpeg' })]),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      let origin: FrameOrigin;
      if (q.at !== undefined && q.segment === undefined && q.index === undefined) {
        origin = { atMs: isoTime('at', q.at) };
      } else if (q.at === undefined && q.segment !== undefined && q.index !== undefined) {
        origin = { segmentId: q.segment, index: q.index };
      } else {
        throw new KadrError('KADR_ERR_VALIDATION', 'give either `at`, or `segment` and `index`', {
          hint: 'e.g. ?at=2026-12-05T14:03:07.250Z, or ?segment=<id>&index=12&step=1 for the frame after',
        });
      }
      const json = q.format === 'json';
      const { info, jpeg } = await sessions.frame(
        request.params.id,
        request.params.session,
        origin,
        q.step ?? 0,
        !json,
      );
      if (json) return info;
      return (reply as FastifyReply)
        .type('image/jpeg')
        .header('cache-control', 'no-store')
        .header('x-kadr-frame-time', info.frameTime)
        .header('x-kadr-wallclock-ms', String(info.wallclockMs))
        .header('x-kadr-segment', info.segmentId)
        .header('x-kadr-frame-index', String(info.index))
        .header('x-kadr-pts', info.ptsTicks)
        .header('x-kadr-time-base', info.timeBase)
        .header('x-kadr-keyframe', String(info.keyframe))
        .header('x-kadr-clock', info.clock)
        .header('x-kadr-decoded', String(info.decoded))
        .send(jpeg);
    },
  );

  app.delete(
    '/cameras/:id/frame-sessions/:session',
    {
      schema: {
        tags,
        summary: 'Close a frame session (its decoder and pictures are freed)',
        params: FrameSessionParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await sessions.close(request.params.id, request.params.session);
      return reply.status(204).send(null);
    },
  );
};
