/** Request and response schemas of clip exports (TypeBox; also the OpenAPI document). */
import { Type } from '@sinclair/typebox';

const IsoTime = (description: string) =>
  Type.String({ minLength: 1, maxLength: 64, description: `${description}: ISO 8601 with a zone` });

export const ExportBody = Type.Object(
  {
    from: IsoTime('the first frame shown is the one at this time (the last at or before it)'),
    to: IsoTime('the last frame is the last before this time (6 hours after from at most)'),
  },
  { additionalProperties: false },
);

export const ExportParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, description: 'the export id' }),
});

export const CameraExport = Type.Object({
  id: Type.String(),
  cameraId: Type.String(),
  from: Type.String({ description: 'the time asked, ISO 8601 with ms' }),
  to: Type.String({ description: 'the time asked, ISO 8601 with ms' }),
  status: Type.Union([
    Type.Literal('queued'),
    Type.Literal('running'),
    Type.Literal('done'),
    Type.Literal('failed'),
  ]),
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  key: Type.Union([Type.String(), Type.Null()], {
    description: 'object key of the MP4 in the object store, once done',
  }),
  frames: Type.Union([Type.Integer(), Type.Null()], { description: 'frames shown, once done' }),
  firstFrameTime: Type.Union([Type.String(), Type.Null()], {
    description: 'wallclock of the first frame shown, ISO 8601 with ms, once done',
  }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'why it failed' }),
});
