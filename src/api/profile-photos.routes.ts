/**
 * Profiles from photos: POST /api/profiles/from-photo makes a profile from the face in a photo,
 * POST /api/profiles/:id/photos adds a photo's face to a profile. The photo is read whole (at most
 * PHOTO_MAX_BYTES) before anything is looked at, so personal-data fields may come before or after it.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { ProfilePhotosService } from '../app/index.js';
import { isKadrError, KadrError } from '../core/errors.js';
import { HttpKadrError } from './errors.js';
import { Profile, ProfileParams } from './profiles.schema.js';
import { errorResponses } from './videos.schema.js';
import { multipartParts } from './videos.routes.js';

export interface ProfilePhotosRoutesOptions {
  photos: ProfilePhotosService;
}

/** 20 MiB: a full-size phone photo is 3–12 MB. */
export const PHOTO_MAX_BYTES = 20 * 1024 * 1024;
const tags = ['profiles'];
const PARTS_HINT = 'one part named "photo"';
const FIELDS = ['lastName', 'firstName', 'middleName', 'gender', 'birthDate'];

const FaceQuery = Type.Object({
  face: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 9999,
      description: 'which face when the photo shows several: 0 is the largest, then by size',
    }),
  ),
});
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function faceOf(query: unknown): number | undefined {
  const raw = (query as { face?: unknown } | undefined)?.face;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d{1,4}$/.test(raw)) {
    throw new KadrError('KADR_ERR_VALIDATION', `face must be a face number from 0, got '${String(raw)}'`, {
      hint: '0 is the largest face of the photo, 1 the next, and so on',
    });
  }
  return Number(raw);
}

const photoPart = Type.String({
  format: 'binary',
  description: `a JPEG or PNG of at most ${PHOTO_MAX_BYTES / 1024 / 1024} MiB with one face of at least 24 px (or pick one with ?face=)`,
});

const FromPhotoBody = Type.Object(
  {
    photo: photoPart,
    lastName: Type.Optional(Type.String()),
    firstName: Type.Optional(Type.String()),
    middleName: Type.Optional(Type.String()),
    gender: Type.Optional(Type.String({ description: 'female, male, other or unknown' })),
    birthDate: Type.Optional(Type.String({ format: 'date' })),
  },
  {
    description:
      'multipart/form-data: the photo, and personal data checked as PATCH /api/profiles/{id} checks it',
  },
);

const PhotoBody = Type.Object({ photo: photoPart }, { description: 'multipart/form-data' });

/** 422: invalid personal data (one message per field), or a photo without a usable face (a hint). */
const PhotoRefusal = Type.Object({
  error: Type.Object({
    code: Type.String({
      description:
        'KADR_ERR_VALIDATION, KADR_ERR_INPUT_NO_FACE, KADR_ERR_INPUT_MANY_FACES, KADR_ERR_INPUT_CORRUPT',
    }),
    message: Type.String(),
    hint: Type.Optional(Type.String()),
    fields: Type.Optional(
      Type.Record(Type.String(), Type.String(), { description: 'one message per invalid field' }),
    ),
  }),
});

const photoResponses = {
  422: PhotoRefusal,
  413: Type.Ref('Error'),
  415: Type.Ref('Error'),
  ...errorResponses,
};

export const profilePhotosRoutes: FastifyPluginAsyncTypebox<ProfilePhotosRoutesOptions> = async (
  app,
  opts,
) => {
  const { photos } = opts;

  app.post(
    '/profiles/from-photo',
    {
      schema: {
        tags,
        summary:
          'Make a profile from the face in a photo; 422 when it shows no face, or several and ?face= picks none',
        consumes: ['multipart/form-data'],
        querystring: FaceQuery,
        body: FromPhotoBody,
        response: { 201: Profile, ...photoResponses },
      },
      // The body is a multipart stream read below and the query is checked by faceOf: the schemas
      // document them for OpenAPI.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const { photo, fields } = await readPhotoForm(request, FIELDS);
      const result = await asPhotoErrors(photos.create(photo, fields, faceOf(request.query)));
      if (result.ok) return reply.status(201).send(result.profile);
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
    '/profiles/:id/photos',
    {
      schema: {
        tags,
        summary:
          "Add the face in a photo to a profile (one more embedding to match on); the first photo's crop becomes its picture",
        consumes: ['multipart/form-data'],
        params: ProfileParams,
        querystring: FaceQuery,
        body: PhotoBody,
        response: { 200: Profile, ...photoResponses },
      },
      validatorCompiler: () => () => true,
    },
    async (request) => {
      const { id } = request.params as { id: unknown };
      if (typeof id !== 'string' || !UUID.test(id))
        throw new KadrError('KADR_ERR_VALIDATION', 'params/id must be a UUID');
      const face = faceOf(request.query);
      const { photo } = await readPhotoForm(request, []);
      return asPhotoErrors(photos.add(id, photo, face));
    },
  );
};

/** A body that is not a picture is the client's wrong media type (415), not a damaged upload (422). */
async function asPhotoErrors<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (isKadrError(error, 'KADR_ERR_INPUT_NOT_MEDIA')) {
      throw new HttpKadrError(415, error.code, error.message, error.hint ? { hint: error.hint } : undefined);
    }
    throw error;
  }
}

async function readPhotoForm(
  request: FastifyRequest,
  allowed: string[],
): Promise<{ photo: Buffer; fields: Record<string, string> }> {
  if (!request.isMultipart()) {
    throw new HttpKadrError(415, 'KADR_ERR_VALIDATION', 'the request is not multipart/form-data', {
      hint: `send the photo as multipart/form-data, ${PARTS_HINT}`,
    });
  }
  let photo: Buffer | undefined;
  const fields: Record<string, string> = {};
  for await (const part of multipartParts(request, PARTS_HINT, { fileSize: PHOTO_MAX_BYTES })) {
    if (part.type === 'field') {
      if (!allowed.includes(part.fieldname)) {
        throw new KadrError('KADR_ERR_VALIDATION', `unexpected field '${part.fieldname}'`, {
          hint:
            allowed.length > 0 ? `send the photo and any of ${allowed.join(', ')}` : 'send only the photo',
        });
      }
      fields[part.fieldname] = String(part.value);
      continue;
    }
    if (part.fieldname !== 'photo' || photo) {
      part.file.resume();
      throw new KadrError('KADR_ERR_VALIDATION', `unexpected file part '${part.fieldname}'`, {
        hint: `send ${PARTS_HINT}`,
      });
    }
    // Over the limit, the parser skips the rest of the file and the stream fails with
    // FST_REQ_FILE_TOO_LARGE (413, errors.ts); leaving the loop early instead would stall the parser.
    const chunks: Buffer[] = [];
    for await (const chunk of part.file as AsyncIterable<Buffer>) chunks.push(chunk);
    photo = Buffer.concat(chunks);
  }
  if (!photo || photo.length === 0) {
    throw new KadrError('KADR_ERR_VALIDATION', 'no photo in the request', { hint: `send ${PARTS_HINT}` });
  }
  return { photo, fields };
}
