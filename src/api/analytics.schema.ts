/** Schemas of live analytics and their events (TypeBox; also the OpenAPI document). */
import { Type } from '@sinclair/typebox';
import { ANALYTICS_MAX_FPS, EVENT_TYPES, EVENTS_MAX_PAGE } from '../app/index.js';
import { Profile } from './profiles.schema.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const IsoTime = (description: string) =>
  Type.String({ minLength: 1, maxLength: 64, description: `${description}: ISO 8601 with a zone` });

const Point = Type.Tuple([Type.Number({ minimum: 0, maximum: 1 }), Type.Number({ minimum: 0, maximum: 1 })]);

export const AnalyticsBody = Type.Object(
  {
    detect: Type.Array(Type.String({ minLength: 1, maxLength: 40 }), {
      minItems: 1,
      maxItems: 90,
      description: 'faces, persons, objects (every class but person) or COCO class names (car, dog, …)',
    }),
    fps: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: ANALYTICS_MAX_FPS,
        description: 'frames analysed a second (default 5)',
      }),
    ),
    zones: Type.Optional(
      Nullable(
        Type.Array(Type.Array(Point, { minItems: 3, maxItems: 64 }), {
          maxItems: 32,
          description:
            "polygons in 0…1 picture coordinates; a detection counts only when the bottom centre of its box (a person's feet) is in one",
        }),
      ),
    ),
  },
  { additionalProperties: false },
);

export const EventType = Type.Union(EVENT_TYPES.map((t) => Type.Literal(t)));

export const EventsQuery = Type.Object({
  camera: Type.Optional(Type.String({ format: 'uuid' })),
  type: Type.Optional(EventType),
  profile: Type.Optional(Type.String({ format: 'uuid' })),
  from: Type.Optional(IsoTime('events that end at or after this')),
  to: Type.Optional(IsoTime('events that start at or before this')),
  cursor: Type.Optional(Type.String({ maxLength: 64, description: '`next` of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: EVENTS_MAX_PAGE, default: 100 })),
});

export const AnalyticsEvent = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    type: EventType,
    cameraId: Type.String({ format: 'uuid' }),
    className: Nullable(Type.String()),
    profileId: Nullable(Type.String()),
    start: Type.String({
      description:
        "first analysed frame, ISO 8601 rounded up to the ms: the recording's frame at this time is that frame",
    }),
    end: Nullable(Type.String({ description: 'last analysed frame it was seen in; null while it goes on' })),
    startWallclockMs: Type.Number(),
    endWallclockMs: Nullable(Type.Number()),
    startPts: Type.String(),
    endPts: Nullable(Type.String()),
    timeBase: Type.String(),
    confidence: Type.Number(),
    count: Type.Integer({ description: 'the most seen in one analysed frame' }),
    snapshotUrl: Nullable(Type.String()),
    snapshotAt: Nullable(Type.String({ description: 'the analysed frame the snapshot shows' })),
    faceBox: Nullable(
      Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()], {
        description: "a profile event's best face: [x, y, width, height] in the camera's pixels",
      }),
    ),
    faceUrl: Nullable(Type.String({ description: "a profile event's best face, JPEG crop" })),
  },
  { $id: 'AnalyticsEvent' },
);

export const EventList = Type.Object({
  items: Type.Array(Type.Ref(AnalyticsEvent)),
  next: Nullable(Type.String({ description: 'cursor of the next page; null on the last' })),
});

export const EventParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const EventNotThisPersonBody = Type.Object(
  {
    to: Type.Optional(
      Type.String({
        format: 'uuid',
        description: 'the profile the face is; left out: a new profile made from the face',
      }),
    ),
  },
  { additionalProperties: false },
);

export const EventCorrectionResult = Type.Object({
  event: Type.Ref(AnalyticsEvent),
  profile: Type.Intersect([Profile, Type.Object({ created: Type.Boolean() })], {
    description: 'the profile the event names now; created: made from its face',
  }),
});

export const DetectionsQuery = Type.Object({
  from: IsoTime('start of the span'),
  to: IsoTime('end of the span (one day after from at most)'),
});

export const DetectionsList = Type.Object({
  frames: Type.Array(
    Type.Object({
      t: Type.Number({ description: 'wallclock of the analysed frame, ms since 1970' }),
      pts: Type.String(),
      d: Type.Array(Type.Array(Type.Union([Type.String(), Type.Number()])), {
        description: '[class, score, x, y, width, height, profileId?] per detection, box in camera pixels',
      }),
    }),
  ),
});
