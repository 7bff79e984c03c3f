/** Request and response schemas of camera groups and their triggers (TypeBox; also the OpenAPI document). */
import { Type } from '@sinclair/typebox';
import { MAX_GROUP_CAMERAS, MAX_PRE_ROLL_S, MAX_TRIGGER_DURATION_S } from '../app/index.js';

const CameraIds = Type.Array(Type.String({ format: 'uuid' }), {
  minItems: 1,
  maxItems: MAX_GROUP_CAMERAS,
  description: 'the cameras of the group, by id, in this order',
});
const GroupName = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'a camera name rule: e.g. "train-7"',
});

export const GroupParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'the group id' }) });
export const TriggerParams = Type.Object({
  id: Type.String({ format: 'uuid', description: 'the trigger id' }),
});

export const GroupCreateBody = Type.Object(
  { name: GroupName, cameras: CameraIds },
  { additionalProperties: false },
);
export const GroupPatchBody = Type.Object(
  { name: Type.Optional(GroupName), cameras: Type.Optional(CameraIds) },
  { additionalProperties: false, minProperties: 1 },
);

export const CameraGroup = Type.Object({
  id: Type.String(),
  name: Type.String(),
  cameras: Type.Array(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export const CameraGroupList = Type.Object({ items: Type.Array(CameraGroup) });

export const TriggerBody = Type.Object(
  {
    at: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'the trigger instant, ISO 8601 with a zone, within an hour of now (default: now)',
      }),
    ),
    durationSeconds: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: MAX_TRIGGER_DURATION_S,
        description: 'how long each clip runs after the trigger instant (default 30)',
      }),
    ),
    preRollSeconds: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: MAX_PRE_ROLL_S,
        description:
          'how long each clip starts before the trigger instant (default 0); more than the GOP kept in memory needs continuous recording',
      }),
    ),
  },
  { additionalProperties: false },
);

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const CameraTrigger = Type.Object({
  id: Type.String(),
  groupId: Type.Union([Type.String(), Type.Null()]),
  at: Type.String({ description: 'the trigger instant, ISO 8601 with ms' }),
  preRollSeconds: Type.Number(),
  durationSeconds: Type.Number(),
  status: Type.Union([
    Type.Literal('recording'),
    Type.Literal('exporting'),
    Type.Literal('done'),
    Type.Literal('failed'),
  ]),
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  cameras: Type.Array(
    Type.Object({
      cameraId: Type.String(),
      exportId: Nullable(Type.String()),
      status: Type.Union([Type.Literal('pending'), Type.Literal('done'), Type.Literal('failed')]),
      key: Nullable(Type.String({ description: 'object key of the clip (MP4) in the object store' })),
      frames: Type.Union([Type.Integer(), Type.Null()]),
      firstFrameTime: Nullable(
        Type.String({ description: "wallclock of the clip's first frame shown (the one at at - preRoll)" }),
      ),
      triggerFrameTime: Nullable(
        Type.String({ description: 'wallclock of the frame shown at the trigger instant (at or before it)' }),
      ),
      error: Nullable(Type.String()),
    }),
  ),
  spreadMs: Type.Union([Type.Number(), Type.Null()], {
    description: "max - min of the cameras' triggerFrameTime, in ms",
  }),
  error: Nullable(Type.String()),
});
