/**
 * JPEG frame ingest (docs/ingest.md): open a session, post frames (a JPEG body each, the capture
 * time in X-Capture-Time), finish it into a recording. Each handler is one call into app/
 * (IngestService).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { IngestService } from '../app/index.js';
import { KadrError } from '../core/errors.js';
import { HttpKadrError } from './errors.js';
import { isoTime } from './iso-time.js';
import { FrameAdded, IngestOpenBody, IngestParams, IngestRecording, IngestStatus } from './ingest.schema.js';
import { ErrorBody, errorResponses } from './videos.schema.js';

export interface IngestRoutesOptions {
  ingest: IngestService;
  /** Largest JPEG body; a larger one is answered 413 before it is read whole. */
  frameMaxBytes: number;
}

const tags = ['ingest'];
/** ISO 8601 with milliseconds and a zone: the frame times are exact to the ms, never rounded. */
const CAPTURE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:?\d\d)$/;

export const ingestRoutes: FastifyPluginAsyncTypebox<IngestRoutesOptions> = async (app, opts) => {
  const { ingest } = opts;
  app.addContentTypeParser(
    'image/jpeg',
    { parseAs: 'buffer', bodyLimit: opts.frameMaxBytes },
    (_request, body, done) => done(null, body),
  );

  app.post(
    '/ingest',
    {
      schema: {
        tags,
        summary: 'Open an ingest session: JPEG frames posted to it become one H.264 recording',
        body: IngestOpenBody,
        response: { 201: IngestStatus, ...errorResponses },
      },
    },
    async (request, reply) => {
      const session = await ingest.open(request.body.name);
      return reply.code(201).header('location', `/api/ingest/${session.id}`).send(session);
    },
  );

  app.post(
    '/ingest/:id/frames',
    {
      schema: {
        tags,
        summary: 'Add one frame: a JPEG body, its capture time in X-Capture-Time',
        description:
          "X-Capture-Time: ISO 8601 with ms and a zone (2026-12-05T10:00:00.040Z); the frame's PTS is that time minus the first frame's. 409 for a time at or before the last frame's (out of order, duplicate), 400 for a body that is not a whole JPEG, 413 above KADR_INGEST_FRAME_MAX_BYTES; the session goes on after each.",
        params: IngestParams,
        headers: Type.Object({ 'x-capture-time': Type.Optional(Type.String()) }),
        response: {
          200: FrameAdded,
          413: Type.Ref(ErrorBody),
          415: Type.Ref(ErrorBody),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      if (!request.headers['content-type']?.startsWith('image/jpeg')) {
        throw new HttpKadrError(
          415,
          'KADR_ERR_VALIDATION',
          'a frame is a JPEG body with Content-Type: image/jpeg',
        );
      }
      const time = request.headers['x-capture-time'];
      if (typeof time !== 'string' || !CAPTURE_TIME.test(time)) {
        throw new KadrError(
          'KADR_ERR_TIME_INVALID',
          `X-Capture-Time must be ISO 8601 with milliseconds and a zone, got '${String(time ?? '').slice(0, 64)}'`,
          { hint: 'e.g. X-Capture-Time: 2026-12-05T10:00:00.040Z' },
        );
      }
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        throw new KadrError('KADR_ERR_VALIDATION', 'the frame body is empty');
      }
      return ingest.addFrame(request.params.id, body, isoTime('X-Capture-Time', time));
    },
  );

  app.post(
    '/ingest/:id/finish',
    {
      schema: {
        tags,
        summary: 'Finish the session: the recording is stored, its key and frame times returned',
        description:
          '409 when no frame was added (nothing is stored); 503 when the store is down (the recording is kept in the spool and stored later). Finishing again returns the same recording.',
        params: IngestParams,
        response: { 200: IngestRecording, 503: Type.Ref(ErrorBody), ...errorResponses },
      },
    },
    async (request) => ingest.finish(request.params.id),
  );

  app.get(
    '/ingest/:id',
    {
      schema: {
        tags,
        summary: 'An ingest session: state, frames added and refused, and its recording once finished',
        params: IngestParams,
        response: { 200: IngestStatus, ...errorResponses },
      },
    },
    async (request) => ingest.status(request.params.id),
  );

  app.get(
    '/ingest',
    {
      schema: {
        tags,
        summary: 'Every ingest session open now or ended in the last hour',
        response: { 200: Type.Object({ sessions: Type.Array(IngestStatus) }), ...errorResponses },
      },
    },
    async () => ({ sessions: ingest.list() }),
  );
};
