/**
 * A camera's recording, by absolute time: the segments and gaps between two times, and the frame
 * shown at a time (JPEG, or JSON with its wallclock, PTS and segment). Each handler is one call into
 * app/ (CameraPlayback); the camera registry's own routes are elsewhere.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { CameraPlayback } from '../app/index.js';
import {
  CameraParams,
  FrameInfo,
  FrameQuery,
  RecordingsList,
  RecordingsQuery,
} from './camera-recordings.schema.js';
import { isoTime } from './iso-time.js';
import { errorResponses } from './videos.schema.js';

export interface CameraRecordingsRoutesOptions {
  playback: CameraPlayback;
}

const tags = ['cameras'];

export const cameraRecordingsRoutes: FastifyPluginAsyncTypebox<CameraRecordingsRoutesOptions> = async (
  app,
  opts,
) => {
  const { playback } = opts;

  app.get(
    '/cameras/:id/recordings',
    {
      schema: {
        tags,
        summary: 'Recorded segments and gaps of a camera between two times',
        params: CameraParams,
        querystring: RecordingsQuery,
        response: { 200: RecordingsList, ...errorResponses },
      },
    },
    async (request) =>
      playback.recordings(
        request.params.id,
        isoTime('from', request.query.from),
        isoTime('to', request.query.to),
      ),
  );

  app.get(
    '/cameras/:id/frame',
    {
      schema: {
        tags,
        summary: 'The frame a camera showed at a time: the last recorded frame at or before it',
        description:
          'JPEG by default; with format=json its wallclock, PTS and segment. 404 when nothing was recorded then (a gap, before the first or after the last frame).',
        params: CameraParams,
        querystring: FrameQuery,
        produces: ['image/jpeg', 'application/json'],
        response: {
          200: Type.Union([FrameInfo, Type.String({ format: 'binary', description: 'image/jpeg' })]),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const at = isoTime('at', request.query.at);
      if (request.query.format === 'json') {
        const { objectKey: _key, ...info } = await playback.frameAt(request.params.id, at);
        return info;
      }
      const { jpeg } = await playback.frameJpeg(request.params.id, at);
      return (reply as FastifyReply).type('image/jpeg').header('cache-control', 'no-cache').send(jpeg);
    },
  );
};
