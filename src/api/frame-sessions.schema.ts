/** Request and response schemas of frame stepping sessions (TypeBox; also the OpenAPI document). */
import { Type } from '@sinclair/typebox';

export const FrameSessionParams = Type.Object({
  id: Type.String({ format: 'uuid', description: 'the camera id' }),
  session: Type.String({ format: 'uuid', description: 'the frame session id' }),
});

export const FrameSession = Type.Object({
  id: Type.String({ description: 'the session id' }),
  cameraId: Type.String(),
  idleTimeoutS: Type.Number({ description: 'the session closes after this many seconds unused' }),
});

export const SessionFrameQuery = Type.Object({
  at: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'start from the frame shown at this wallclock (ISO 8601 with a zone)',
    }),
  ),
  segment: Type.Optional(
    Type.String({ format: 'uuid', description: 'start from a frame of this segment (with index)' }),
  ),
  index: Type.Optional(
    Type.Integer({ minimum: 0, description: '0-based presentation index of that frame in its segment' }),
  ),
  step: Type.Optional(
    Type.Integer({
      minimum: -250,
      maximum: 250,
      default: 0,
      description: 'frames after (negative: before) the start, across segments; 1 is the next frame',
    }),
  ),
  format: Type.Optional(
    Type.Union([Type.Literal('jpeg'), Type.Literal('json')], { description: 'jpeg (default) or json' }),
  ),
});

export const SessionFrameInfo = Type.Object({
  frameTime: Type.String({ description: "the frame's wallclock, ISO 8601 with ms" }),
  wallclockMs: Type.Number({ description: 'the same, ms since 1970 with its fraction' }),
  ptsTicks: Type.String({ description: 'its PTS in ticks of timeBase (a string: 64-bit)' }),
  timeBase: Type.String({ description: 'seconds per tick, "num/den"' }),
  segmentId: Type.String(),
  index: Type.Integer({ description: '0-based presentation index of the frame in its segment' }),
  keyframe: Type.Boolean(),
  clock: Type.Union([Type.Literal('rtcp'), Type.Literal('received')], {
    description: "whose clock frameTime is: the camera's (RTCP sender reports) or kadr's receive time",
  }),
  decoded: Type.Integer({
    description: 'pictures decoded to answer: 0 when kept from an earlier step (and for format=json)',
  }),
});
