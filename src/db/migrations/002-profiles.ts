/**
 * People profiles (docs/profiles.md). A profile is one person: personal data a person may fill in, the best
 * face crop (an object in storage), a few face embeddings (128 float4 each, from the videos the
 * person was found in) and one appearance row per video.
 *
 * - `seq` orders the list (newest first) and is the keyset cursor: one index range scan per page,
 *   whatever the page number, unlike OFFSET.
 * - Deleting a video removes its appearances (cascade) and leaves the profile's embeddings, which
 *   still describe the person (video_id becomes null).
 * - videos.auto_profiles is the upload option; videos.people_count the number of distinct people
 *   found in it (null until profiles were built).
 */
export const sql = `
ALTER TABLE videos ADD COLUMN auto_profiles boolean NOT NULL DEFAULT false;
ALTER TABLE videos ADD COLUMN people_count integer;

CREATE TABLE profiles (
  id            uuid PRIMARY KEY,
  seq           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  last_name     text CHECK (char_length(last_name) BETWEEN 1 AND 100),
  first_name    text CHECK (char_length(first_name) BETWEEN 1 AND 100),
  middle_name   text CHECK (char_length(middle_name) BETWEEN 1 AND 100),
  gender        text CHECK (gender IN ('female', 'male', 'other', 'unknown')),
  birth_date    date CHECK (birth_date >= DATE '1900-01-01'),
  crop_key      text,
  crop_quality  double precision NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE profile_embeddings (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  profile_id  uuid NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
  video_id    uuid REFERENCES videos (id) ON DELETE SET NULL,
  embedding   real[] NOT NULL CHECK (array_length(embedding, 1) = 128)
);
CREATE INDEX profile_embeddings_profile_idx ON profile_embeddings (profile_id);
CREATE INDEX profile_embeddings_video_idx ON profile_embeddings (video_id);

CREATE TABLE profile_appearances (
  profile_id        uuid NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
  video_id          uuid NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
  first_ms          bigint NOT NULL,
  last_ms           bigint NOT NULL,
  frames            integer NOT NULL,
  crop_frame_index  integer NOT NULL,
  crop_ms           bigint NOT NULL,
  spans             jsonb NOT NULL,
  PRIMARY KEY (profile_id, video_id)
);
CREATE INDEX profile_appearances_video_idx ON profile_appearances (video_id);
`;
