/**
 * The timeline tools over uploaded videos: the exact frame at t (JPEG or JSON), an original compared
 * with its recording at t, the same moment in two videos. Each handler is one call into app/
 * (VideoFrames).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { VideoFrames } from '../app/index.js';
import {
  CompareQuery,
  CompareResult,
  SameMomentQuery,
  SameMomentResult,
  VideoFrameInfo,
  VideoFrameParams,
  VideoFrameQuery,
} from './video-frames.schema.js';
import { errorResponses } from './videos.schema.js';

export interface VideoFramesRoutesOptions {
  frames: VideoFrames;
}

const tags = ['timeline'];

export const videoFramesRoutes: FastifyPluginAsyncTypebox<VideoFramesRoutesOptions> = async (app, opts) => {
  const { frames } = opts;

  app.get(
    '/videos/:id/frame',
    {
      schema: {
        tags,
        summary: "The exact frame an uploaded video shows t ms after its first frame (from the frames' PTS)",
        description:
          'JPEG by default; with format=json its index (the frames skipped to reach t), PTS and time base. 400 when t is past the end.',
        params: VideoFrameParams,
        querystring: VideoFrameQuery,
        produces: ['image/jpeg', 'application/json'],
        response: {
          200: Type.Union([VideoFrameInfo, Type.String({ format: 'binary', description: 'image/jpeg' })]),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (request.query.format === 'json') return frames.frameInfo(id, request.query.t);
      const { info, jpeg } = await frames.frame(id, request.query.t);
      return (reply as FastifyReply)
        .type('image/jpeg')
        .header('cache-control', 'private, max-age=3600')
        .header('x-frame-index', String(info.index))
        .header('x-frame-pts', info.ptsTicks)
        .send(jpeg);
    },
  );

  app.get(
    '/compare',
    {
      schema: {
        tags,
        summary: 'An original and its recording at the same t: the frame each shows, and whether they match',
        description:
          'Pictures: GET /api/videos/:id/frame?t= of each. identical when every decoded sample is equal, else PSNR.',
        querystring: CompareQuery,
        response: { 200: CompareResult, ...errorResponses },
      },
    },
    async (request) => frames.compare(request.query.original, request.query.recording, request.query.t),
  );

  app.get(
    '/same-moment',
    {
      schema: {
        tags,
        summary:
          'The same moment t in two videos: the frame each shows and the frames it skipped to reach it',
        querystring: SameMomentQuery,
        response: { 200: SameMomentResult, ...errorResponses },
      },
    },
    async (request) => frames.sameMoment(request.query.a, request.query.b, request.query.t),
  );
};
