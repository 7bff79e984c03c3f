/**
 * Videos and their analysis. The row is the truth about a video's job: workers claim it with an
 * atomic UPDATE (claim_token), prove they are alive with heartbeat_at, and read `status` back on
 * every heartbeat, so that pause / cancel from any process reach them within a second. Every
 * change is announced on the `kadr_videos` channel for live updates (SSE) in API processes.
 * Kept as a TS string module so that tsc carries it into dist/.
 */
export const sql = `
CREATE TABLE videos (
  id                uuid PRIMARY KEY,
  filename          text NOT NULL,
  content_type      text,
  size_bytes        bigint NOT NULL,
  object_key        text NOT NULL,
  status            text NOT NULL CHECK (status IN ('queued', 'processing', 'paused', 'done', 'failed', 'cancelled')),
  progress          double precision NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 100),
  total_frames      integer,
  frames_processed  integer NOT NULL DEFAULT 0,
  faces_so_far      integer NOT NULL DEFAULT 0,
  frames_with_faces integer NOT NULL DEFAULT 0,
  faces_per_second  jsonb,
  resume_state      jsonb,
  error             text,
  error_code        text,
  attempts          integer NOT NULL DEFAULT 0,
  claim_token       uuid,
  claimed_by        text,
  heartbeat_at      timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  started_at        timestamptz,
  finished_at       timestamptz
);
CREATE INDEX videos_created_idx ON videos (created_at DESC, id DESC);
CREATE INDEX videos_processing_idx ON videos (heartbeat_at) WHERE status = 'processing';

CREATE FUNCTION kadr_videos_notify() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('kadr_videos', json_build_object('id', OLD.id, 'deleted', true)::text);
    RETURN OLD;
  END IF;
  -- heartbeats alone change nothing a client sees
  IF TG_OP = 'UPDATE' AND NEW.status = OLD.status AND NEW.progress = OLD.progress
     AND NEW.faces_so_far = OLD.faces_so_far AND NEW.frames_processed = OLD.frames_processed THEN
    RETURN NEW;
  END IF;
  PERFORM pg_notify('kadr_videos', json_build_object('id', NEW.id)::text);
  RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER videos_notify AFTER INSERT OR UPDATE OR DELETE ON videos
  FOR EACH ROW EXECUTE FUNCTION kadr_videos_notify();
`;
