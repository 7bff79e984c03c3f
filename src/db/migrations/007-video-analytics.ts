/**
 * What an archive video is analysed for (the upload's `analytics`: faces, objects or both; faces for
 * every video uploaded before) and the object results: the most people in one frame, and per COCO class
 * the most in one frame and the frames it was seen in ({"car": {"max": 3, "frames": 120}, …}).
 */
export const sql = `
ALTER TABLE videos ADD COLUMN analytics text[] NOT NULL DEFAULT '{faces}';
ALTER TABLE videos ADD COLUMN persons_max integer;
ALTER TABLE videos ADD COLUMN object_counts jsonb;
`;
