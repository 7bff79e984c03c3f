/**
 * Corrections of people profiles (docs/profiles.md, "Corrections"): splitting an appearance at a time and
 * "this is not X".
 *
 * - `profile_embeddings.face_ms`: when the face was seen (ms after the video's first frame), so that a
 *   split moves the faces after the split time with the seconds they come from. Null for photos and for
 *   faces stored before this migration (a split leaves those where they are).
 * - `profiles.crop_video_id` / `crop_ms`: where the profile's picture came from, so that a correction that
 *   moves that moment away takes the picture with it. Null for a photo's crop.
 * - `profile_appearances.crop_frame_index` / `crop_ms` may be null: the part of a split appearance that
 *   does not hold the best face has no crop frame.
 * - `profile_apart`: pairs of profiles the operator said are two people. Grouping never puts the faces of
 *   both into one profile again. Stored once per pair, the smaller id first.
 */
export const sql = `
ALTER TABLE profile_embeddings ADD COLUMN face_ms bigint;
ALTER TABLE profiles ADD COLUMN crop_video_id uuid REFERENCES videos (id) ON DELETE SET NULL;
ALTER TABLE profiles ADD COLUMN crop_ms bigint;
ALTER TABLE profile_appearances ALTER COLUMN crop_frame_index DROP NOT NULL;
ALTER TABLE profile_appearances ALTER COLUMN crop_ms DROP NOT NULL;

CREATE TABLE profile_apart (
  profile_id  uuid NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
  other_id    uuid NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (profile_id, other_id),
  CHECK (profile_id < other_id)
);
CREATE INDEX profile_apart_other_idx ON profile_apart (other_id);
`;
