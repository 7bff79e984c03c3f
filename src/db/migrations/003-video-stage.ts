/**
 * The pass a processing video is in (`faces`: the face counts; `people`: building profiles, only for
 * uploads with autoProfiles) and that pass's own progress, so that a video in its people pass no
 * longer reads "100 %, processing" for a third of its time. Live events fire on stage changes too.
 */
export const sql = `
ALTER TABLE videos ADD COLUMN stage text CHECK (stage IN ('faces', 'people'));
ALTER TABLE videos ADD COLUMN stage_progress real NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION kadr_videos_notify() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('kadr_videos', json_build_object('id', OLD.id, 'deleted', true)::text);
    RETURN OLD;
  END IF;
  -- heartbeats alone change nothing a client sees
  IF TG_OP = 'UPDATE' AND NEW.status = OLD.status AND NEW.progress = OLD.progress
     AND NEW.faces_so_far = OLD.faces_so_far AND NEW.frames_processed = OLD.frames_processed
     AND NEW.stage IS NOT DISTINCT FROM OLD.stage AND NEW.stage_progress = OLD.stage_progress THEN
    RETURN NEW;
  END IF;
  PERFORM pg_notify('kadr_videos', json_build_object('id', NEW.id)::text);
  RETURN NEW;
END
$$ LANGUAGE plpgsql;
`;
