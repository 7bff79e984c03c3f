/** Request and response schemas of /api/cameras and /metrics (TypeBox; they also generate the OpenAPI document). */
import { Type, type Static } from '@sinclair/typebox';
import {
  CAMERA_NAME,
  CAMERA_NAME_RULE,
  CAMERA_STATES,
  CREDENTIAL_MAX_LENGTH,
  RETENTION_MAX_HOURS,
  URL_MAX_LENGTH,
} from '../app/index.js';

const Transport = Type.Union([Type.Literal('tcp'), Type.Literal('udp')], {
  description: 'how RTP comes from the camera: interleaved in the RTSP connection (tcp) or over UDP',
});

const CameraTransport = Type.Union([Type.Literal('tcp'), Type.Literal('udp'), Type.Literal('push')], {
  description:
    "tcp or udp: how RTP comes from the camera; push: the video is pushed to kadr (a WHIP or JPEG ingest session under the camera's name), url is empty",
});

const Name = Type.String({ pattern: CAMERA_NAME.source, description: `${CAMERA_NAME_RULE}; unique` });
const SourceUrl = Type.String({
  minLength: 1,
  maxLength: URL_MAX_LENGTH,
  description:
    'rtsp:// or rtsps://; credentials in it (rtsp://user:pass@host/...) are split off and encrypted',
});
const User = Type.String({ minLength: 1, maxLength: CREDENTIAL_MAX_LENGTH, description: 'no ":"' });
const Password = Type.String({ maxLength: CREDENTIAL_MAX_LENGTH });

const RetentionInput = Type.Object(
  {
    maxAgeHours: Type.Optional(
      Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: RETENTION_MAX_HOURS }), Type.Null()], {
        description: 'delete segments older than this; null: no age limit',
      }),
    ),
    maxBytes: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
        description: 'delete the oldest segments past this many bytes; null: no size limit',
      }),
    ),
  },
  { additionalProperties: false },
);

export const CameraCreateBody = Type.Object(
  {
    name: Name,
    url: SourceUrl,
    transport: Type.Optional(Transport),
    record: Type.Optional(Type.Boolean({ description: 'record continuously (default false)' })),
    onDemand: Type.Optional(
      Type.Boolean({ description: 'connect only while someone watches or records (default false)' }),
    ),
    user: Type.Optional(User),
    password: Type.Optional(Password),
    retention: Type.Optional(RetentionInput),
  },
  { additionalProperties: false },
);
export type CameraCreateBody = Static<typeof CameraCreateBody>;

export const CameraPatchBody = Type.Object(
  {
    name: Type.Optional(Name),
    url: Type.Optional(SourceUrl),
    transport: Type.Optional(Transport),
    record: Type.Optional(Type.Boolean()),
    onDemand: Type.Optional(Type.Boolean()),
    user: Type.Optional(Type.Union([User, Type.Null()], { description: 'null removes the credentials' })),
    password: Type.Optional(
      Type.Union([Password, Type.Null()], { description: 'alone: changes only the password' }),
    ),
    retention: Type.Optional(RetentionInput),
  },
  {
    additionalProperties: false,
    description: 'any of the fields; a url without credentials keeps the stored ones',
  },
);
export type CameraPatchBody = Static<typeof CameraPatchBody>;

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const Camera = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    url: Type.String({ description: 'the source URL, never with credentials; empty for a push camera' }),
    hasCredentials: Type.Boolean(),
    transport: CameraTransport,
    onDemand: Type.Boolean(),
    record: Type.Boolean({ description: 'recording is switched on' }),
    recording: Type.Boolean({ description: 'recording is running' }),
    retention: Type.Object({ maxAgeHours: Nullable(Type.Number()), maxBytes: Nullable(Type.Integer()) }),
    state: Type.Union(
      CAMERA_STATES.map((s) => Type.Literal(s)),
      {
        description:
          'idle: on demand and nobody watching (or no live runtime in this process); offline: a push camera with no session sending',
      },
    ),
    lastError: Nullable(Type.String()),
    health: Type.Object({
      fps: Nullable(Type.Number({ description: 'measured from PTS' })),
      bitrateBps: Nullable(Type.Number()),
      lastFrameAt: Nullable(Type.String({ format: 'date-time' })),
      reconnects: Type.Integer(),
      skippedUnits: Type.Integer({ description: 'units skipped by slow consumers' }),
    }),
    analytics: Nullable(
      Type.Object(
        {
          detect: Type.Array(Type.String()),
          fps: Type.Number(),
          zones: Nullable(Type.Array(Type.Array(Type.Array(Type.Number())))),
          running: Type.Boolean({ description: 'analysing now on this server' }),
          framesAnalysed: Type.Integer(),
          framesSkipped: Type.Integer({
            description: 'sampled frames left out while the models were behind',
          }),
          restarts: Type.Integer({ description: 'times the analysis process was started again' }),
        },
        { description: 'live analytics attached (docs/live-analytics.md); null when none' },
      ),
    ),
    rtspUrl: Type.String({ description: "kadr's restream of the camera, on the node that runs it" }),
    node: Nullable(
      Type.Object(
        { id: Type.String(), url: Type.String({ description: "the node's HTTP API" }) },
        { description: 'the node that runs the camera (holds its lease); null while none does' },
      ),
    ),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Camera' },
);

export const CameraList = Type.Object({ items: Type.Array(Type.Ref(Camera)) });

export const CameraParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export type CameraParams = Static<typeof CameraParams>;
