/** Request and response schemas of /api/videos (TypeBox; they also generate the OpenAPI document). */
import { Type, type Static } from '@sinclair/typebox';

const STATUSES = ['queued', 'processing', 'paused', 'done', 'failed', 'cancelled'] as const;
/** A plain string enum (a union of literals would show in OpenAPI as six one-value anyOfs). */
export const VideoStatus = Type.Unsafe<(typeof STATUSES)[number]>({ type: 'string', enum: [...STATUSES] });

export const Video = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    filename: Type.String(),
    contentType: Type.Union([Type.String(), Type.Null()]),
    sizeBytes: Type.Integer({ minimum: 0 }),
    status: VideoStatus,
    progress: Type.Number({
      minimum: 0,
      maximum: 100,
      description:
        'the whole analysis, in percent: the faces pass, then (autoProfiles) the people pass; 100 only when done',
    }),
    stage: Type.Union(
      [Type.Unsafe<'faces' | 'people'>({ type: 'string', enum: ['faces', 'people'] }), Type.Null()],
      {
        description:
          'the pass running: faces (face counts), people (profiles, uploads with autoProfiles); where a paused or failed video stopped; null before it starts and once done',
      },
    ),
    stageProgress: Type.Number({
      minimum: 0,
      maximum: 100,
      description: 'progress of the current stage: decoded frames over total frames, in percent',
    }),
    totalFrames: Type.Union([Type.Integer(), Type.Null()]),
    framesProcessed: Type.Integer({ minimum: 0 }),
    facesSoFar: Type.Integer({ minimum: 0, description: 'face detections summed over all frames processed' }),
    framesWithFaces: Type.Integer({ minimum: 0 }),
    facesPerSecond: Type.Union([Type.Array(Type.Integer({ minimum: 0 })), Type.Null()], {
      description: 'faces detected in each second of the video; set when status is done',
    }),
    analytics: Type.Array(Type.Unsafe<'faces' | 'objects'>({ type: 'string', enum: ['faces', 'objects'] }), {
      description: "what the video is analysed for: the upload's analytics field",
    }),
    personsMax: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
      description: 'with objects: the most people seen in one frame (so far while processing); null without',
    }),
    objects: Type.Union(
      [
        Type.Record(
          Type.String(),
          Type.Object({
            max: Type.Integer({ minimum: 0, description: 'most of this class in one frame' }),
            frames: Type.Integer({ minimum: 0, description: 'frames where it was seen' }),
          }),
        ),
        Type.Null(),
      ],
      { description: 'with objects: per COCO class name (person, car, ...) its counts; null without' },
    ),
    error: Type.Union([Type.String(), Type.Null()], { description: 'why the video failed, for a person' }),
    errorCode: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    peopleCount: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
        description: 'distinct people found (uploads with autoProfiles, once done); GET /api/videos/:id only',
      }),
    ),
    profiles: Type.Optional(
      Type.Array(
        Type.Object({
          id: Type.String({ format: 'uuid' }),
          link: Type.String({ description: 'API URL of the profile' }),
          firstMs: Type.Integer(),
          lastMs: Type.Integer(),
        }),
        { description: 'profiles of the people in this video; GET /api/videos/:id only' },
      ),
    ),
  },
  { $id: 'Video' },
);

export const ErrorBody = Type.Object(
  {
    error: Type.Object({ code: Type.String(), message: Type.String(), hint: Type.Optional(Type.String()) }),
  },
  { $id: 'Error' },
);

export const VideoParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export type VideoParams = Static<typeof VideoParams>;

export const ListQuery = Type.Object({
  // Bounded so that (page - 1) * size stays an exact integer that PostgreSQL takes as an OFFSET.
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })),
  size: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  status: Type.Optional(VideoStatus),
});
export type ListQuery = Static<typeof ListQuery>;

export const VideoList = Type.Object({
  items: Type.Array(Type.Ref(Video)),
  page: Type.Integer(),
  size: Type.Integer(),
  hasNextPage: Type.Boolean(),
});

export const UploadBody = Type.Object(
  {
    files: Type.Array(Type.String({ format: 'binary' }), { minItems: 1 }),
    autoProfiles: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'build people profiles from the faces (true / false); put it before the files so that it applies from the start',
      }),
    ),
    analytics: Type.Optional(
      Type.String({
        default: 'faces',
        description:
          'what to detect, comma-separated: faces, objects (people and the 80 COCO classes) or faces,objects; put it before the files',
      }),
    ),
  },
  { description: 'multipart/form-data with one or more parts named `files`' },
);

export const UploadResult = Type.Object({ items: Type.Array(Type.Ref(Video)) });

const AccessToken = Type.Optional(
  Type.String({ description: 'the API token, for EventSource clients that cannot send Authorization' }),
);

export const EventsQuery = Type.Object({
  id: Type.Optional(Type.String({ format: 'uuid', description: 'only events of this video' })),
  access_token: AccessToken,
});

export const VideoEventsQuery = Type.Object({ access_token: AccessToken });

export const errorResponses = {
  400: Type.Ref(ErrorBody),
  401: Type.Ref(ErrorBody),
  404: Type.Ref(ErrorBody),
  409: Type.Ref(ErrorBody),
  500: Type.Ref(ErrorBody),
};
