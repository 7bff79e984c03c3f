/** Request and response schemas of a camera's recordings and frames (TypeBox; also the OpenAPI document). */
import { Type } from '@sinclair/typebox';

export const CameraParams = Type.Object({
  id: Type.String({ format: 'uuid', description: 'the camera id' }),
});

const IsoTime = (description: string) =>
  Type.String({ minLength: 1, maxLength: 64, description: `${description}: ISO 8601 with a zone` });

export const RecordingsQuery = Type.Object({
  from: IsoTime('start of the span'),
  to: IsoTime('end of the span (31 days after from at most)'),
});

export const RecordingsList = Type.Object({
  segments: Type.Array(
    Type.Object({
      id: Type.String(),
      start: Type.String({ description: 'wallclock of its first frame, ISO 8601 with ms' }),
      end: Type.String({ description: 'end of its last frame, ISO 8601 with ms' }),
      frames: Type.Integer(),
      key: Type.String({ description: 'object key of the fragmented MP4 in the object store' }),
    }),
  ),
  gaps: Type.Array(
    Type.Object({
      from: Type.String({ description: 'receive time of the last frame before the gap' }),
      to: Type.String({ description: 'receive time of the first frame after it' }),
      reason: Type.String(),
    }),
  ),
});

export const FrameQuery = Type.Object({
  at: IsoTime('the wallclock time'),
  format: Type.Optional(
    Type.Union([Type.Literal('jpeg'), Type.Literal('json')], { description: 'jpeg (default) or json' }),
  ),
});

export const FrameInfo = Type.Object({
  at: Type.String({ description: 'the time asked' }),
  frameTime: Type.String({ description: 'wallclock of the frame shown then (at or before `at`)' }),
  ptsTicks: Type.String({ description: 'its PTS in ticks of timeBase (a string: 64-bit)' }),
  timeBase: Type.String({ description: 'seconds per tick, "num/den"' }),
  segmentId: Type.String(),
  index: Type.Integer({ description: '0-based presentation index of the frame in its segment' }),
  clock: Type.Union([Type.Literal('rtcp'), Type.Literal('received')], {
    description: "whose clock frameTime is: the camera's (RTCP sender reports) or kadr's receive time",
  }),
});

export const AlignBody = Type.Object(
  {
    cameras: Type.Array(Type.String({ format: 'uuid' }), {
      minItems: 2,
      maxItems: 64,
      description: 'the cameras of the group',
    }),
    from: IsoTime('start of the window'),
    to: IsoTime('end of the window (an hour after from at most)'),
  },
  { additionalProperties: false },
);

export const AlignResult = Type.Object({
  common: Type.Object({
    wallclock: Type.String({ description: 'the common instant: the latest first frame in the window' }),
    wallclockMs: Type.Number({ description: 'the same, ms since 1970' }),
    end: Type.String({ description: 'the last moment every camera has a frame of, in the window' }),
  }),
  offsets: Type.Array(
    Type.Object({
      cameraId: Type.String(),
      segmentId: Type.String({ description: 'the segment holding the frame at the common instant' }),
      key: Type.String({ description: 'its object key' }),
      offsetMs: Type.Number({
        description: "time after the segment's first frame at which the common instant lies",
      }),
      errorMs: Type.Number({
        description: 'estimated error of offsetMs (half a frame interval + wallclock jitter)',
      }),
      method: Type.Literal('wallclock'),
      clock: Type.Union([Type.Literal('rtcp'), Type.Literal('received')], {
        description: "whose clock: the camera's (RTCP sender reports) or kadr's receive time",
      }),
      frameIndex: Type.Integer({ description: 'presentation index in the segment of the frame then' }),
      frameIntervalMs: Type.Number(),
    }),
  ),
});
