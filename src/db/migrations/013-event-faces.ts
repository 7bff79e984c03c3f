/**
 * What a camera's face event keeps so that the operator can say "this is not X" about it
 * (docs/live-analytics.md, "Correcting a face"), and what that correction leaves behind.
 *
 * - `analytics_events.face_embeddings`: up to 8 distinct faces of a `profile` event (one row of 128 per
 *   face; the rule is in src/analytics/event-faces.ts). `face_box` is the best face's box in the camera's
 *   pixels, `face_crop_key` its crop (a JPEG in the object store). Null for the other types and for events
 *   stored before this migration, which cannot be corrected.
 * - `profile_embeddings.from_event`: the event a face came from when the operator gave it to a profile. No
 *   foreign key: the face stays the person's when the camera and its events are deleted, and such a face
 *   keeps its profile from the orphan rule, as a photo's does.
 * - `profile_negatives`: faces the operator said are not this profile. Live matching (and a video's) never
 *   names the profile for a face nearer one of its negatives than to its own faces (matchProfile).
 *   `to_profile_id` is where those faces went: merging the two lifts the negatives again.
 */
export const sql = `
ALTER TABLE analytics_events ADD COLUMN face_embeddings real[]
  CHECK (face_embeddings IS NULL OR (array_ndims(face_embeddings) = 2 AND array_length(face_embeddings, 2) = 128));
ALTER TABLE analytics_events ADD COLUMN face_box integer[] CHECK (face_box IS NULL OR array_length(face_box, 1) = 4);
ALTER TABLE analytics_events ADD COLUMN face_crop_key text;

ALTER TABLE profile_embeddings ADD COLUMN from_event uuid;
CREATE INDEX profile_embeddings_event_idx ON profile_embeddings (from_event) WHERE from_event IS NOT NULL;

CREATE TABLE profile_negatives (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  profile_id     uuid NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
  embedding      real[] NOT NULL CHECK (array_length(embedding, 1) = 128),
  from_event     uuid,
  to_profile_id  uuid REFERENCES profiles (id) ON DELETE SET NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX profile_negatives_profile_idx ON profile_negatives (profile_id);
CREATE INDEX profile_negatives_to_idx ON profile_negatives (to_profile_id);
`;
