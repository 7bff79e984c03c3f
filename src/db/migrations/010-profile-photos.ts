/**
 * Profiles made from a photo (docs/profiles.md, "From a photo"). A photo's embedding has no video, like
 * the embedding of a deleted video's face; `from_photo` tells them apart. A profile with a photo was made
 * on purpose: it is no orphan when no video shows it, and its photo embeddings are not trimmed away by a
 * video's newer ones.
 */
export const sql = `
ALTER TABLE profile_embeddings ADD COLUMN from_photo boolean NOT NULL DEFAULT false;
`;
