/** Request and response schemas of /api/profiles (TypeBox; they also generate the OpenAPI document). */
import { Type, type Static } from '@sinclair/typebox';
import { GENDERS, MIN_BIRTH_DATE, NAME_MAX_LENGTH, PROFILES_MAX_PAGE } from '../app/index.js';

const NameValue = (what: string) =>
  Type.Union([Type.String({ minLength: 1, maxLength: NAME_MAX_LENGTH }), Type.Null()], {
    description: `${what}: letters of any script, spaces, hyphens, apostrophes (' ’); 1–${NAME_MAX_LENGTH} characters after trimming; null clears it`,
  });

export const GenderValue = Type.Union(
  GENDERS.map((g) => Type.Literal(g)),
  { description: '`unknown` = the operator does not know; null = not filled in' },
);

export const ProfileVideo = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String({ description: 'the video file name' }),
  link: Type.String({ description: 'API URL of the video' }),
  firstMs: Type.Integer({ minimum: 0, description: 'first moment on screen, ms after the first frame' }),
  lastMs: Type.Integer({ minimum: 0 }),
  spans: Type.Array(Type.Object({ firstMs: Type.Integer(), lastMs: Type.Integer() }), {
    description: 'every stretch on screen (the person may leave and come back)',
  }),
  cropFrameIndex: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
    description:
      'frame (0-based) of the best face in this video; null for the part of a split appearance without it',
  }),
});

export const Profile = Type.Object({
  id: Type.String({ format: 'uuid' }),
  cropUrl: Type.Union([Type.String(), Type.Null()], { description: 'the best face crop (JPEG)' }),
  lastName: Type.Union([Type.String(), Type.Null()]),
  firstName: Type.Union([Type.String(), Type.Null()]),
  middleName: Type.Union([Type.String(), Type.Null()]),
  gender: Type.Union([GenderValue, Type.Null()]),
  birthDate: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
  videos: Type.Array(ProfileVideo),
  apartFrom: Type.Array(Type.String({ format: 'uuid' }), {
    description:
      'profiles the operator said are someone else (a split, "this is not X"): never grouped with this one',
  }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const ProfileList = Type.Object({
  items: Type.Array(Profile),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'pass as `cursor` for the next page' }),
});

export const ProfileListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: PROFILES_MAX_PAGE, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 64, description: 'nextCursor of the previous page' })),
});
export type ProfileListQuery = Static<typeof ProfileListQuery>;

export const ProfileParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export type ProfileParams = Static<typeof ProfileParams>;

export const ProfilePatchBody = Type.Object(
  {
    lastName: Type.Optional(NameValue('last name')),
    firstName: Type.Optional(NameValue('first name')),
    middleName: Type.Optional(NameValue('middle name (patronymic)')),
    gender: Type.Optional(Type.Union([GenderValue, Type.Null()])),
    birthDate: Type.Optional(
      Type.Union([Type.String({ format: 'date' }), Type.Null()], {
        description: `YYYY-MM-DD, a real calendar date from ${MIN_BIRTH_DATE} to today`,
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'any of the fields; nothing is saved unless all are valid',
  },
);

export const ValidationErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    fields: Type.Record(Type.String(), Type.String(), { description: 'one message per invalid field' }),
  }),
});

export const ProfileMergeBody = Type.Object(
  { other: Type.String({ format: 'uuid', description: 'the profile merged into this one, then deleted' }) },
  { additionalProperties: false },
);

export const AppearanceParams = Type.Object({
  id: Type.String({ format: 'uuid' }),
  videoId: Type.String({ format: 'uuid' }),
});
export type AppearanceParams = Static<typeof AppearanceParams>;

const ToProfile = Type.String({
  format: 'uuid',
  description: 'the profile that gets it (it may appear in the video already); a new profile when left out',
});

export const SplitBody = Type.Object(
  {
    atMs: Type.Integer({
      minimum: 0,
      description: 'ms after the first frame: what is on screen from here on is someone else',
    }),
    to: Type.Optional(ToProfile),
  },
  { additionalProperties: false },
);

export const NotThisPersonBody = Type.Object(
  { to: Type.Optional(ToProfile) },
  { additionalProperties: false },
);

export const CorrectionResult = Type.Object({
  profile: Profile,
  other: Type.Intersect([Profile, Type.Object({ created: Type.Boolean() })], {
    description: 'the profile that got the part moved out; created: made for it',
  }),
});
