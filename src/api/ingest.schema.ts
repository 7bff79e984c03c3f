/** Request and response schemas of the JPEG frame ingest (TypeBox; also the OpenAPI document). */
import { Type } from '@sinclair/typebox';

export const IngestParams = Type.Object({
  id: Type.String({ format: 'uuid', description: 'the ingest session id' }),
});

export const IngestOpenBody = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'what the source is called (the recording is stored under ingest/<name>/)',
    }),
  },
  { additionalProperties: false },
);

const Time = (description: string) => Type.String({ description: `${description}, ISO 8601 with ms` });
const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(t: T) =>
  Type.Union([t, Type.Null()]);

export const IngestRecording = Type.Object({
  key: Type.String({
    description: 'path or s3:// URL of the recording, as `kadr frame` and `kadr index` take it',
  }),
  objectKey: Type.String({ description: 'its key in the object store' }),
  indexKey: Type.String({ description: 'key of its frame index' }),
  frames: Type.Integer(),
  firstFrameTime: Time('capture time of the first frame'),
  lastFrameTime: Time('capture time of the last frame'),
  width: Type.Integer(),
  height: Type.Integer(),
  bytes: Type.Integer(),
});

export const IngestStatus = Type.Object({
  id: Type.String(),
  name: Type.String(),
  state: Type.Union(
    ['open', 'finishing', 'finished', 'spooled', 'failed'].map((s) => Type.Literal(s)),
    { description: 'spooled: the store was down, the recording is stored when it is back' },
  ),
  createdAt: Type.String(),
  frames: Type.Integer({ description: 'frames added' }),
  rejected: Type.Object({
    outOfOrder: Type.Integer(),
    duplicate: Type.Integer(),
    corrupt: Type.Integer(),
  }),
  width: Nullable(Type.Integer()),
  height: Nullable(Type.Integer()),
  firstFrameTime: Nullable(Type.String()),
  lastFrameTime: Nullable(Type.String()),
  endReason: Type.Union([
    Type.Literal('finish'),
    Type.Literal('idle'),
    Type.Literal('shutdown'),
    Type.Literal('error'),
    Type.Null(),
  ]),
  recording: Type.Union([IngestRecording, Type.Null()]),
  error: Nullable(Type.String()),
  viewers: Type.Integer({ description: 'live subscribers of the session' }),
});

export const FrameAdded = Type.Object({
  frame: Type.Integer({ description: '0-based index of the frame in the recording' }),
  ptsMs: Type.Integer({ description: 'its PTS: ms after the first frame' }),
});
