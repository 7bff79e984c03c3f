/**
 * A camera's recording, by absolute time: the segments and gaps between two times, the frame
 * shown at a time (JPEG, or JSON with its wallclock, PTS and segment), and a group of cameras put in
 * step over a window (POST /align). Each handler is one call into
 * app/ (CameraPlayback); the camera registry's own routes are elsewhere.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { CameraPlayback } from '../app/index.js';
import {
  AlignBody,
  AlignResult,
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

  app.post(
    '/align',
    {
      schema: {
        tags,
        summary: 'A group of cameras in step over a time window, from their recorded wallclocks',
        description:
          "The common instant is the latest first frame in the window; for each camera, the segment holding its frame then and the time after that segment's first frame (docs/align.md). 404 when a camera recorded nothing in the window.",
        body: AlignBody,
        response: { 200: AlignResult, ...errorResponses },
      },
    },
    async (request) =>
      playback.align(
        request.body.cameras,
        isoTime('from', request.body.from),
        isoTime('to', request.body.to),
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
