/**
 * /api/videos: upload, list, get, pause, resume, cancel, delete, and live events (SSE). Each
 * handler is one call into app/ (VideosService); schemas live in videos.schema.ts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProfilesService, VideoDto, VideoEvent, VideosService } from '../app/index.js';
import { KadrError } from '../core/errors.js';
import { HttpKadrError } from './errors.js';
import {
  errorResponses,
  EventsQuery,
  ListQuery,
  UploadBody,
  UploadResult,
  Video,
  VideoList,
  VideoEventsQuery,
  VideoParams,
} from './videos.schema.js';

export interface VideosRoutesOptions {
  videos: VideosService;
  uploadMaxFiles: number;
  /** Profiles (docs/profiles.md): the upload's autoProfiles field and the people of a video. */
  profiles?: ProfilesService;
}

const tags = ['videos'];

export const videosRoutes: FastifyPluginAsyncTypebox<VideosRoutesOptions> = async (app, opts) => {
  const { videos } = opts;

  app.post(
    '/videos',
    {
      schema: {
        tags,
        summary: 'Upload one or more videos (multipart field `files`); each is queued for face analysis',
        consumes: ['multipart/form-data'],
        body: UploadBody,
        response: { 201: UploadResult, 413: Type.Ref('Error'), 415: Type.Ref('Error'), ...errorResponses },
      },
      // The body is a multipart stream read below, not a parsed object: the schema above documents
      // it for OpenAPI, the checks are done while streaming.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw new HttpKadrError(415, 'KADR_ERR_VALIDATION', 'the request is not multipart/form-data', {
          hint: 'send the files as multipart/form-data parts named "files"',
        });
      }
      const items = [];
      let autoProfiles = false;
      let analytics: VideoDto['analytics'] = ['faces'];
      for await (const part of multipartParts(request)) {
        if (part.type === 'field' && part.fieldname === 'analytics') {
          analytics = parseAnalytics(part.value);
          // Files sent before the field get it too, as long as their analysis has not started.
          await videos.setAnalytics(
            items.map((v) => v.id),
            analytics,
          );
          for (const v of items) v.analytics = analytics;
          continue;
        }
        if (part.type === 'field' && part.fieldname === 'autoProfiles') {
          autoProfiles = parseFormBoolean(part.value, 'autoProfiles');
          // Files sent before the field: set them too (their job reads the flag only once the face
          // counts are done, long after this request ends).
          if (autoProfiles) await opts.profiles?.enableAutoProfiles(items.map((v) => v.id));
          continue;
        }
        if (part.type !== 'file') continue;
        if (part.fieldname !== 'files') {
          part.file.resume();
          throw new KadrError('KADR_ERR_VALIDATION', `unexpected file field '${part.fieldname}'`, {
            hint: 'name every file part "files"',
          });
        }
        const video = await videos.upload({
          filename: part.filename,
          contentType: part.mimetype || null,
          stream: part.file,
          analytics,
        });
        if (autoProfiles) await opts.profiles?.enableAutoProfiles([video.id]);
        items.push(video);
      }
      if (items.length === 0) {
        throw new KadrError('KADR_ERR_VALIDATION', 'no file in the request', {
          hint: 'add parts named "files"',
        });
      }
      return reply.status(201).send({ items });
    },
  );

  app.get(
    '/videos',
    {
      schema: {
        tags,
        summary: 'List videos, newest first',
        querystring: ListQuery,
        response: { 200: VideoList, ...errorResponses },
      },
    },
    async ({ query }) => videos.list({ page: query.page ?? 1, size: query.size ?? 50, status: query.status }),
  );

  app.get(
    '/videos/events',
    {
      schema: {
        tags,
        summary:
          'Server-sent events: a `video` event with the whole video on every change, `deleted` on deletion',
        querystring: EventsQuery,
        produces: ['text/event-stream'],
        response: { 200: Type.String({ description: 'text/event-stream' }), ...errorResponses },
      },
      config: { queryToken: true },
    },
    async (request, reply) => streamEvents(videos, request, reply, request.query.id),
  );

  app.get(
    '/videos/:id',
    {
      schema: {
        tags,
        summary: 'One video with its progress and results',
        params: VideoParams,
        response: { 200: Type.Ref(Video), ...errorResponses },
      },
    },
    async (request) => {
      const video = await videos.get(request.params.id);
      return opts.profiles ? { ...video, ...(await opts.profiles.peopleOfVideo(video.id)) } : video;
    },
  );

  app.get(
    '/videos/:id/events',
    {
      schema: {
        tags,
        summary: 'Server-sent events of one video; the first event is its current state',
        params: VideoParams,
        querystring: VideoEventsQuery,
        produces: ['text/event-stream'],
        response: { 200: Type.String({ description: 'text/event-stream' }), ...errorResponses },
      },
      config: { queryToken: true },
    },
    async (request, reply) => {
      const current = await videos.get(request.params.id);
      return streamEvents(videos, request, reply, request.params.id, { type: 'video', video: current });
    },
  );

  for (const action of ['pause', 'resume', 'cancel'] as const) {
    app.post(
      `/videos/:id/${action}`,
      {
        schema: {
          tags,
          summary: {
            pause: 'Pause analysis (takes effect within a second; resume continues where it stopped)',
            resume: 'Resume a paused video from where it stopped',
            cancel: 'Cancel analysis (takes effect within a second)',
          }[action],
          params: VideoParams,
          response: { 200: Type.Ref(Video), ...errorResponses },
        },
      },
      async (request) => videos[action](request.params.id),
    );
  }

  app.delete(
    '/videos/:id',
    {
      schema: {
        tags,
        summary: 'Delete a video, its stored file and results (stops its analysis)',
        params: VideoParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await videos.remove(request.params.id);
      return reply.status(204).send(null);
    },
  );
};

const FINAL_STATUSES: readonly string[] = ['done', 'failed', 'cancelled'];
/** The SSE id of a stream's last event: an EventSource that reconnects after it is told 204 (stop). */
const FINAL_EVENT_ID = 'final';

/**
 * Writes SSE frames until the client goes away; a comment every 15 s keeps proxies from closing it.
 * A stream of one video ends after the event that puts it in a final state (done, failed, cancelled)
 * or deletes it; that event carries the id "final", so that an EventSource, which reconnects
 * whenever a stream ends, is answered 204 (which stops it, per the HTML standard) instead of
 * being given the same final state every two seconds.
 */
async function streamEvents(
  videos: VideosService,
  request: FastifyRequest,
  reply: FastifyReply,
  onlyId: string | undefined,
  first?: VideoEvent,
): Promise<FastifyReply> {
  const isFinal = (event: VideoEvent) =>
    onlyId !== undefined && (event.type === 'deleted' || FINAL_STATUSES.includes(event.video.status));
  if (first && isFinal(first) && request.headers['last-event-id'] === FINAL_EVENT_ID) {
    return reply.status(204).send();
  }
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(keepAlive);
    unsubscribe();
    reply.raw.end();
  };
  const write = (event: VideoEvent) => {
    if (ended) return;
    if (onlyId && (event.type === 'video' ? event.video.id : event.id) !== onlyId) return;
    const final = isFinal(event);
    reply.raw.write(
      `${final ? `id: ${FINAL_EVENT_ID}\n` : ''}event: ${event.type}\ndata: ${JSON.stringify(event.type === 'video' ? event.video : { id: event.id })}\n\n`,
    );
    if (final) end();
  };
  const unsubscribe = videos.subscribe(write);
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  reply.raw.write('retry: 2000\n\n');
  const keepAlive = setInterval(() => reply.raw.write(': keep-alive\n\n'), 15_000);
  request.raw.once('close', end);
  if (first) write(first);
  return reply;
}

/**
 * request.parts(), with the multipart parser's own errors (no boundary, a cut or malformed body:
 * plain Errors from busboy, without a code) turned into the client's 400; errors from our code
 * inside the loop pass through untouched.
 */
export async function* multipartParts(
  request: FastifyRequest,
  partsHint = 'parts named "files"',
  limits?: { fileSize: number },
) {
  let parts;
  try {
    parts = request.parts(limits ? { limits } : undefined)[Symbol.asyncIterator]();
  } catch (e) {
    throw malformedMultipart(e, partsHint);
  }
  let finished = false;
  try {
    for (;;) {
      let next;
      try {
        next = await parts.next();
      } catch (e) {
        finished = true;
        throw malformedMultipart(e, partsHint);
      }
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // Left early (an error in the caller's loop): let the parser drain, as for-await would.
    if (!finished) await parts.return?.();
  }
}

function malformedMultipart(e: unknown, partsHint: string): unknown {
  if (!(e instanceof Error) || e instanceof KadrError || (e as { code?: unknown }).code !== undefined)
    return e;
  return new KadrError('KADR_ERR_VALIDATION', `malformed multipart/form-data body (${e.message})`, {
    hint: `send a multipart/form-data body with a boundary and ${partsHint}`,
  });
}

/** A form field meant as a boolean: true/false, 1/0, on/off, yes/no. */
/** The upload's `analytics` field: a comma-separated list of faces and objects, each at most once. */
function parseAnalytics(value: unknown): VideoDto['analytics'] {
  const names = String(value)
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  const known = ['faces', 'objects'] as const;
  const bad = names.find((n) => !(known as readonly string[]).includes(n));
  if (bad !== undefined || names.length === 0) {
    throw new KadrError(
      'KADR_ERR_VALIDATION',
      `form field analytics must list faces and/or objects, got '${String(value).slice(0, 40)}'`,
      { hint: 'send analytics=faces, analytics=objects or analytics=faces,objects' },
    );
  }
  return known.filter((k) => names.includes(k));
}

function parseFormBoolean(value: unknown, name: string): boolean {
  const v = String(value).trim().toLowerCase();
  if (['true', '1', 'on', 'yes'].includes(v)) return true;
  if (['false', '0', 'off', 'no', ''].includes(v)) return false;
  throw new KadrError(
    'KADR_ERR_VALIDATION',
    `form field ${name} must be true or false, got '${String(value).slice(0, 20)}'`,
  );
}
