/**
 * A video to look at: a path or URL, or the same with a name for captions and logs (e.g. the
 * s3://bucket/key a user typed, where the location FFmpeg opens is a presigned URL) and a stable cache
 * key for its frame index (e.g. the object's ETag).
 */
import { displayName } from '../media/index.js';

export type VideoRef = string | { location: string; label?: string; cacheKey?: string };

export function refLocation(ref: VideoRef): string {
  return typeof ref === 'string' ? ref : ref.location;
}

export function refLabel(ref: VideoRef): string {
  return typeof ref === 'string' ? displayName(ref) : (ref.label ?? displayName(ref.location));
}

export function refCacheKey(ref: VideoRef): string | undefined {
  return typeof ref === 'string' ? undefined : ref.cacheKey;
}
