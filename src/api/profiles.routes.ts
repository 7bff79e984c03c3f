/**
 * /api/profiles: list (keyset pages), get, crop image, edit personal data, merge two, delete. Each handler is
 * one call into app/ (ProfilesService); schemas live in profiles.schema.ts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROFILE_FIELDS, type ProfileCorrectionsService, type ProfilesService } from '../app/index.js';
import { KadrError } from '../core/errors.js';
import { errorResponses } from './videos.schema.js';
import {
  AppearanceParams,
  CorrectionResult,
  NotThisPersonBody,
  Profile,
  ProfileList,
  ProfileListQuery,
  ProfileMergeBody,
  ProfileParams,
  ProfilePatchBody,
  SplitBody,
  ValidationErrorBody,
} from './profiles.schema.js';

export interface ProfilesRoutesOptions {
  profiles: ProfilesService;
  corrections: ProfileCorrectionsService;
}

const tags = ['profiles'];

class MalformedJson {
  constructor(readonly reason: string) {}
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const profilesRoutes: FastifyPluginAsyncTypebox<ProfilesRoutesOptions> = async (app, opts) => {
  const { profiles, corrections } = opts;

  // In this plugin only: an empty or malformed JSON body is a form error like any other (422 with a
  // message for `body`), not Fastify's generic 400. A prototype key is refused outright (400), as
  // Fastify's own parser does everywhere else (onProtoPoisoning: 'error').
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    const raw = String(text);
    if (raw.trim() === '') return done(null, undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      return done(null, new MalformedJson((error as Error).message));
    }
    const key = prototypeKey(parsed);
    if (key) {
      return done(
        new KadrError('KADR_ERR_VALIDATION', `the body must not contain the key "${key}"`, {
          hint: `send only ${PROFILE_FIELDS.join(', ')}`,
        }),
      );
    }
    done(null, parsed);
  });

  app.get(
    '/profiles',
    {
      schema: {
        tags,
        summary: 'List people profiles, newest first (keyset pages: pass nextCursor as cursor)',
        querystring: ProfileListQuery,
        response: { 200: ProfileList, ...errorResponses },
      },
    },
    async (request) => profiles.list(request.query),
  );

  app.get(
    '/profiles/:id',
    {
      schema: {
        tags,
        summary: 'One profile with the videos and times where the person appears',
        params: ProfileParams,
        response: { 200: Profile, ...errorResponses },
      },
    },
    async (request) => profiles.get(request.params.id),
  );

  app.get(
    '/profiles/:id/crop',
    {
      schema: {
        tags,
        summary: "The profile's best face crop",
        params: ProfileParams,
        produces: ['image/jpeg'],
        response: { 200: Type.String({ format: 'binary', description: 'image/jpeg' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const stream = await profiles.crop(request.params.id);
      // A stream, not the string the typed schema suggests: the base reply type accepts it.
      return (reply as FastifyReply).type('image/jpeg').header('cache-control', 'no-cache').send(stream);
    },
  );

  app.patch(
    '/profiles/:id',
    {
      schema: {
        tags,
        summary: 'Edit personal data; 422 lists one message per invalid field and saves nothing',
        params: ProfileParams,
        body: ProfilePatchBody,
        response: { 200: Profile, 422: ValidationErrorBody, ...errorResponses },
      },
      // The body schema documents the fields for OpenAPI; profile-fields.ts checks them (all of
      // them, one message each, as a 422), which Ajv's first-error 400 would not. Ajv must not
      // even see the body: with coerceTypes it would turn `true` into the name "true".
      validatorCompiler: ({ httpPart }) =>
        httpPart === 'body'
          ? () => true
          : (data: unknown) =>
              UUID.test(String((data as { id?: unknown }).id))
                ? { value: data }
                : { error: new Error('params/id must be a UUID') },
    },
    async (request, reply) => {
      const body: unknown = request.body;
      const result =
        body instanceof MalformedJson
          ? ({ ok: false, fields: { body: `is not valid JSON (${body.reason})` } } as const)
          : await profiles.update(request.params.id, body);
      if (result.ok) return result.profile;
      return reply.status(422).send({
        error: {
          code: 'KADR_ERR_VALIDATION',
          message: Object.entries(result.fields)
            .map(([field, msg]) => `${field} ${msg}`)
            .join('; '),
          fields: result.fields,
        },
      });
    },
  );

  app.post(
    '/profiles/:id/merge',
    {
      schema: {
        tags,
        summary:
          'Merge another profile into this one (one person): its faces, appearances and events move here, it is deleted',
        params: ProfileParams,
        body: ProfileMergeBody,
        response: { 200: Profile, ...errorResponses },
      },
    },
    async (request) => profiles.merge(request.params.id, request.body.other),
  );

  app.post(
    '/profiles/:id/videos/:videoId/split',
    {
      schema: {
        tags,
        summary:
          "Split this profile's appearance in a video at atMs: from there on it is someone else (another profile, or a new one); the two are never grouped together again",
        params: AppearanceParams,
        body: SplitBody,
        response: { 200: CorrectionResult, ...errorResponses },
      },
      preValidation: correctionBody,
    },
    async (request) =>
      corrections.split(request.params.id, request.params.videoId, request.body.atMs, request.body.to),
  );

  app.post(
    '/profiles/:id/videos/:videoId/not-this-person',
    {
      schema: {
        tags,
        summary:
          "This is not this person: the profile's appearance in a video and its faces there go to another profile (or a new one); the two are never grouped together again",
        params: AppearanceParams,
        body: NotThisPersonBody,
        response: { 200: CorrectionResult, ...errorResponses },
      },
      preValidation: correctionBody,
    },
    async (request) => corrections.notThisPerson(request.params.id, request.params.videoId, request.body?.to),
  );

  app.delete(
    '/profiles/:id',
    {
      schema: {
        tags,
        summary: 'Delete a profile and its crop (the videos stay)',
        params: ProfileParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await profiles.remove(request.params.id);
      return reply.status(204).send(null);
    },
  );
};

/**
 * A correction's body: malformed JSON is a 400 that says so (not a schema message about a key the
 * client never sent), and no body at all is `{}` (every field is optional for not-this-person).
 */
async function correctionBody(request: FastifyRequest): Promise<void> {
  if (request.body instanceof MalformedJson) {
    throw new KadrError('KADR_ERR_VALIDATION', `the body is not valid JSON: ${request.body.reason}`, {
      hint: 'send a JSON object, e.g. {"to": "<profile id>"}',
    });
  }
  if (request.body === undefined || request.body === null) request.body = {};
}

/** The first `__proto__` or `constructor.prototype` key anywhere in parsed JSON (JSON.parse keeps them as own keys). */
function prototypeKey(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (k === '__proto__') return k;
    if (k === 'constructor' && typeof v === 'object' && v !== null && Object.hasOwn(v, 'prototype'))
      return 'constructor.prototype';
    const inner = prototypeKey(v);
    if (inner) return inner;
  }
  return undefined;
}
