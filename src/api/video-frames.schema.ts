/** Schemas of the timeline tools over uploaded videos (TypeBox; also the OpenAPI document). */
import { Type } from '@sinclair/typebox';

const VideoId = (description: string) => Type.String({ format: 'uuid', description });
const TimeAfterFirst = Type.String({
  minLength: 1,
  maxLength: 32,
  pattern: '^[0-9]+(\\.[0-9]+)?$',
  description: 'ms after the first frame (decimals allowed: 1001.5)',
});

export const VideoFrameParams = Type.Object({ id: VideoId('the video id') });

export const VideoFrameQuery = Type.Object({
  t: TimeAfterFirst,
  format: Type.Optional(
    Type.Union([Type.Literal('jpeg'), Type.Literal('json')], { description: 'jpeg (default) or json' }),
  ),
});

export const VideoFrameInfo = Type.Object({
  videoId: Type.String(),
  filename: Type.String(),
  tMs: Type.Number({ description: 'the time asked, ms after the first frame' }),
  index: Type.Integer({
    description: '0-based presentation index of the frame shown then: the frames skipped to reach t',
  }),
  ptsTicks: Type.String({ description: 'its PTS in ticks of timeBase (a string: 64-bit)' }),
  ptsMs: Type.Number(),
  timeBase: Type.String({ description: 'seconds per tick, "num/den"' }),
  sinceFirstMs: Type.Number({ description: 'when the frame starts, ms after the first frame' }),
  keyframe: Type.Boolean(),
  packetsDecoded: Type.Integer({ description: 'packets decoded from the keyframe to reach it' }),
  previousFrameMs: Type.Union([Type.Number(), Type.Null()], {
    description: 'when the previous frame starts, ms after the first frame (null: this is the first)',
  }),
  nextFrameMs: Type.Union([Type.Number(), Type.Null()], {
    description: 'when the next frame starts (null: this is the last; null in /api/compare)',
  }),
});

export const CompareQuery = Type.Object({
  original: VideoId('the original video'),
  recording: VideoId('the recording of it'),
  t: TimeAfterFirst,
});

export const CompareResult = Type.Object({
  tMs: Type.Number(),
  original: VideoFrameInfo,
  recording: VideoFrameInfo,
  identical: Type.Boolean({ description: 'every decoded sample equal (a passthrough recording)' }),
  psnr: Type.Union([Type.Number(), Type.Null()], { description: 'dB over Y, U and V; null when identical' }),
  scaled: Type.Boolean({ description: "the recording was scaled to the original's size to compare" }),
});

export const SameMomentQuery = Type.Object({
  a: VideoId('the first video'),
  b: VideoId('the second video'),
  t: TimeAfterFirst,
});

export const SameMomentResult = Type.Object({
  tMs: Type.Number(),
  a: VideoFrameInfo,
  b: VideoFrameInfo,
  log: Type.Array(Type.String(), {
    description: 'per video: the frames skipped to reach t and the PTS of the frame shown then',
  }),
});
