/**
 * Where a video named on the command line is read from. Files and http(s) URLs pass through unchanged;
 * live streams (rtsp://...) are refused, as the commands that take a location read a video to its end.
 * s3://bucket/key is resolved through src/storage (S3_* from the environment) to a presigned URL that
 * FFmpeg reads in-process with ranged requests, so nothing is downloaded first; the object's ETag keys
 * its cached frame index, and the s3:// name is what captions and logs show.
 */
import { KadrError } from '../core/errors.js';
// deep-import-ok: storage/index.ts loads the AWS SDK (~0.2 s); a local file must not wait for it.
import { parseStorageUrl } from '../storage/keys.js';
import type { VideoRef } from '../timeline/index.js';

/** FFmpeg protocols that carry a live stream: it has no end, so a whole-video command never finishes. */
const LIVE = /^(rtsps?|rtmps?|rtp|srtp|udp|srt|tcp):\/\//i;

export async function resolveLocation(location: string): Promise<VideoRef> {
  if (LIVE.test(location)) {
    throw new KadrError(
      'KADR_ERR_USAGE',
      `${location.replace(/\?.*$/, '')} is a live stream; this command reads a whole video, and a live stream never ends`,
      { hint: 'record it first (kadr record <url> --to <dir> --duration 10), then give one of its segments' },
    );
  }
  if (!parseStorageUrl(location)) return location;
  // The S3 client (the AWS SDK, ~0.2 s to load) only when an s3:// name is given.
  const { locateObject } = await import('../storage/index.js');
  const { store, key } = locateObject(location);
  const info = await store.head(key);
  if (!info) {
    throw new KadrError('KADR_ERR_STORAGE_NOT_FOUND', `no object at ${location}`, {
      hint: 'check the bucket and key (kadr record prints the keys it wrote)',
    });
  }
  return {
    location: await store.readLocation(key, 6 * 3600),
    label: location,
    cacheKey: `${location}#${info.etag ?? `${info.size}:${info.lastModified?.toISOString() ?? ''}`}`,
  };
}
