/**
 * A recording named on the command line, read as the timeline's segments: one segment (its `.mp4` or
 * its `.index.json`), or a folder / s3://bucket/prefix that `kadr record --to` wrote, whose segments
 * are the `<name>.index.json` objects directly under it. Only the indexes are read here; the media is
 * opened (a presigned URL for S3) only when a picture is asked for.
 */
import { KadrError } from '../core/errors.js';
import type { ObjectStore } from '../storage/index.js';
import { readFrameIndexFile, type IndexedSegment } from '../timeline/index.js';

const INDEX_SUFFIX = '.index.json';

export async function loadRecording(location: string): Promise<IndexedSegment[]> {
  const { locateObject, locatePrefix } = await import('../storage/index.js');
  const segment = /\.(mp4|index\.json)$/.exec(location);
  if (segment) {
    const { store, key } = locateObject(location);
    const indexKey = key.endsWith(INDEX_SUFFIX) ? key : key.replace(/\.mp4$/, INDEX_SUFFIX);
    return [await readSegment(store, indexKey)];
  }
  const { store, prefix } = locatePrefix(location);
  const segments: IndexedSegment[] = [];
  for await (const o of store.list(prefix)) {
    const rest = o.key.slice(prefix.length);
    if (rest.endsWith(INDEX_SUFFIX) && !rest.includes('/')) segments.push(await readSegment(store, o.key));
  }
  if (segments.length === 0) {
    throw new KadrError('KADR_ERR_STORAGE_NOT_FOUND', `no recorded segments in ${location}`, {
      hint: `give what kadr record --to wrote: a folder or s3://bucket/prefix holding *${INDEX_SUFFIX}`,
    });
  }
  return segments;
}

async function readSegment(store: ObjectStore, indexKey: string): Promise<IndexedSegment> {
  const mediaKey = indexKey.slice(0, -INDEX_SUFFIX.length) + '.mp4';
  const chunks: Buffer[] = [];
  try {
    for await (const c of await store.get(indexKey)) chunks.push(c as Buffer);
  } catch (error) {
    if ((error as KadrError).code === 'KADR_ERR_STORAGE_NOT_FOUND') {
      throw new KadrError('KADR_ERR_STORAGE_NOT_FOUND', `no frame index at ${store.describe(indexKey)}`, {
        hint: 'a segment without its index is incomplete (the recorder writes the index last)',
      });
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new KadrError('KADR_ERR_INPUT_CORRUPT', `${store.describe(indexKey)} is not JSON`);
  }
  const label = store.describe(mediaKey);
  // The recorder's facts of the segment (src/recorder/segment-index.ts): a rollover continues the
  // segment before it without a gap.
  const facts = json as { startReason?: string; gapBefore?: unknown };
  return {
    label,
    index: readFrameIndexFile(json, label),
    continuesPrevious: facts.startReason === 'rollover' && !facts.gapBefore,
  };
}
