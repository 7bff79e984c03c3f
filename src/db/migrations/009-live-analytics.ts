/**
 * Live analytics of cameras (docs/live-analytics.md): what each camera is asked to detect (re-attached
 * when the server starts), the events found (start and end are analysed frames: their pts and exact
 * wallclock, so the recording's frame at that wallclock is that very frame), and the detections of
 * every analysed frame, one row per camera and minute (a JSONB array appended to, so a day of a camera
 * at 5 frames a second is 1 440 rows, not 432 000).
 */
export const sql = `
CREATE TABLE camera_analytics (
  camera_id  uuid PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
  detect     text[] NOT NULL,
  fps        double precision NOT NULL CHECK (fps > 0),
  zones      jsonb,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE analytics_events (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  camera_id     uuid NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
  type          text NOT NULL CHECK (type IN ('person', 'object', 'face', 'profile')),
  class_name    text,
  profile_id    uuid REFERENCES profiles(id) ON DELETE SET NULL,
  start_ms      double precision NOT NULL,
  start_pts     bigint NOT NULL,
  end_ms        double precision,
  end_pts       bigint,
  time_base     text NOT NULL,
  confidence    real NOT NULL,
  max_count     integer NOT NULL DEFAULT 1,
  snapshot_key  text,
  snapshot_ms   double precision,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX analytics_events_camera_time ON analytics_events (camera_id, start_ms);
CREATE INDEX analytics_events_time ON analytics_events (start_ms);

CREATE TABLE analytics_detections (
  camera_id uuid NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
  minute    timestamptz NOT NULL,
  frames    jsonb NOT NULL DEFAULT '[]'::jsonb,
  PRIMARY KEY (camera_id, minute)
);
`;
