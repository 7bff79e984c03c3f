/**
 * A camera's continuous recording (docs/camera-recording.md): one row per stored segment (its media
 * and frame-index objects, the wallclock and PTS of its first and last frame), one per gap (when and
 * why nothing was recorded), one per clip export.
 *
 * - Wallclocks are timestamptz (microseconds, so the sub-millisecond RTCP wallclock is kept to the µs);
 *   `wallclock_from` says whether they are the camera's (RTCP sender reports) or kadr's receive times.
 * - `ends_at` is the end of the last frame (its wallclock plus its duration): a time in
 *   [first_frame_at, ends_at) is inside the segment.
 * - `deleting_at`: retention marks a row before it deletes the objects and then the row, so that a
 *   crash in between leaves a row that still names its objects (the next sweep finishes it) and that
 *   no query hands out any more.
 */
export const sql = `
CREATE TABLE camera_segments (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  camera_id       uuid NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
  object_key      text NOT NULL UNIQUE,
  index_key       text NOT NULL,
  first_frame_at  timestamptz NOT NULL,
  last_frame_at   timestamptz NOT NULL,
  ends_at         timestamptz NOT NULL,
  wallclock_from  text NOT NULL CHECK (wallclock_from IN ('rtcp', 'received')),
  first_pts_ticks bigint NOT NULL,
  last_pts_ticks  bigint NOT NULL,
  time_base       text NOT NULL,
  frames          integer NOT NULL CHECK (frames > 0),
  bytes           bigint NOT NULL CHECK (bytes >= 0),
  started_reason  text NOT NULL,
  ended_reason    text NOT NULL,
  deleting_at     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX camera_segments_time ON camera_segments (camera_id, first_frame_at);

CREATE TABLE camera_gaps (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  camera_id   uuid NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
  from_at     timestamptz NOT NULL,
  to_at       timestamptz NOT NULL,
  reason      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX camera_gaps_time ON camera_gaps (camera_id, from_at);

CREATE TABLE camera_exports (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  camera_id        uuid NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
  from_at          timestamptz NOT NULL,
  to_at            timestamptz NOT NULL,
  status           text NOT NULL DEFAULT 'queued'
                   CHECK (status IN ('queued', 'running', 'done', 'failed')),
  progress         real NOT NULL DEFAULT 0,
  object_key       text,
  frames           integer,
  first_frame_at   timestamptz,
  error            text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
`;
