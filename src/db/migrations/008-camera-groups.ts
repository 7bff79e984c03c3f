/**
 * Camera groups and their triggers (docs/cameras.md, "Groups and triggers"): a group names cameras
 * that record together (the cars of one train); a trigger asks for a clip of every camera of a group
 * that starts at one wallclock instant. The trigger's row carries its status and, once the clips are
 * exported, per camera the export and its first frame's wallclock, and the spread of those first
 * frames (`result`, JSON: it is written once and read whole).
 *
 * `started_recording`: cameras the trigger switched recording on for (they were off); it switches
 * them off again once the window is recorded.
 */
export const sql = `
CREATE TABLE camera_groups (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE camera_group_members (
  group_id   uuid NOT NULL REFERENCES camera_groups(id) ON DELETE CASCADE,
  camera_id  uuid NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
  position   integer NOT NULL,
  PRIMARY KEY (group_id, camera_id)
);
CREATE INDEX camera_group_members_camera ON camera_group_members (camera_id);

CREATE TABLE camera_triggers (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  group_id           uuid REFERENCES camera_groups(id) ON DELETE SET NULL,
  camera_ids         uuid[] NOT NULL,
  at                 timestamptz NOT NULL,
  pre_roll_ms        double precision NOT NULL,
  duration_ms        double precision NOT NULL,
  status             text NOT NULL DEFAULT 'recording'
                     CHECK (status IN ('recording', 'exporting', 'done', 'failed')),
  progress           real NOT NULL DEFAULT 0,
  started_recording  uuid[] NOT NULL DEFAULT '{}',
  result             jsonb,
  error              text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
`;
