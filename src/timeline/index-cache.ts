/**
 * Frame indexes are built once per file and reused: in memory for the life of the process, and on disk
 * (KADR_CACHE_DIR, default ~/.cache/kadr) keyed by the file's real path, size and modification time, so
 * a second `kadr frame` on the same file skips the scan. URLs are cached on disk only when the caller
 * gives a stable key (e.g. an object's ETag), since presigned URLs change on every call.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../config/index.js';
import path from 'node:path';
import { assertReadableFile, isUrl, openVideoInput } from '../media/index.js';
import {
  type BuildProgress,
  buildFrameIndexByDecoding,
  buildFrameIndexFromPackets,
  FRAME_INDEX_VERSION,
  type FrameIndex,
} from './frame-index.js';

export type IndexSource = 'memory' | 'disk' | 'built';

export interface GetIndexOptions {
  onProgress?: BuildProgress;
  /** Stable identity for a URL (object key + ETag); files use path, size and mtime. */
  cacheKey?: string;
  /** Skip the disk cache (tests, benchmarks of the build itself). */
  noDiskCache?: boolean;
}

const memory = new Map<string, FrameIndex>();

export function cacheDir(): string {
  return loadConfig().paths.indexCacheDir;
}

function identity(location: string, cacheKey?: string): { key: string; size: number } | null {
  if (cacheKey) return { key: `key:${cacheKey}`, size: 0 };
  if (isUrl(location)) return null;
  assertReadableFile(location);
  const st = statSync(location);
  return { key: `file:${realpathSync(location)}:${st.size}:${st.mtimeMs}`, size: st.size };
}

interface StoredIndex {
  v: number;
  codec: string;
  width: number;
  height: number;
  tb: [number, number];
  first: string;
  /** pts - first, per frame (fits a double: < 2^53 ticks from the first frame). */
  d: number[];
  keys: number[];
  order: number[];
  pos: number[];
  lastDur: string;
  builtBy: FrameIndex['builtBy'];
}

function toStored(ix: FrameIndex): StoredIndex {
  const first = ix.pts[0] ?? 0n;
  return {
    v: FRAME_INDEX_VERSION,
    codec: ix.codec,
    width: ix.width,
    height: ix.height,
    tb: [ix.timeBase.num, ix.timeBase.den],
    first: String(first),
    d: ix.pts.map((p) => Number(p - first)),
    keys: ix.key.flatMap((k, i) => (k ? [i] : [])),
    order: ix.decodeOrder,
    pos: ix.pos,
    lastDur: String(ix.lastDurationTicks),
    builtBy: ix.builtBy,
  };
}

function fromStored(location: string, s: StoredIndex): FrameIndex {
  const first = BigInt(s.first);
  const key = s.d.map(() => false);
  for (const k of s.keys) key[k] = true;
  return {
    location,
    codec: s.codec,
    width: s.width,
    height: s.height,
    timeBase: { num: s.tb[0], den: s.tb[1] },
    pts: s.d.map((d) => first + BigInt(d)),
    key,
    decodeOrder: s.order,
    pos: s.pos,
    lastDurationTicks: BigInt(s.lastDur),
    builtBy: s.builtBy,
  };
}

function diskPath(key: string): string {
  return path.join(cacheDir(), `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
}

export async function getFrameIndex(
  location: string,
  options: GetIndexOptions = {},
): Promise<{ index: FrameIndex; source: IndexSource }> {
  const id = identity(location, options.cacheKey);
  const memKey = id?.key ?? `url:${location}`;
  const inMemory = memory.get(memKey);
  if (inMemory) return { index: inMemory, source: 'memory' };
  if (id && !options.noDiskCache) {
    try {
      const stored = JSON.parse(readFileSync(diskPath(id.key), 'utf8')) as StoredIndex;
      if (stored.v === FRAME_INDEX_VERSION) {
        const index = fromStored(location, stored);
        memory.set(memKey, index);
        return { index, source: 'disk' };
      }
    } catch {
      // no cached copy, or an unreadable one: build it again
    }
  }
  const input = await openVideoInput(location);
  let index: FrameIndex | null;
  try {
    index = buildFrameIndexFromPackets(input, id?.size ?? 0, options.onProgress);
  } finally {
    await input.close();
  }
  index ??= await buildFrameIndexByDecoding(location, options.onProgress);
  memory.set(memKey, index);
  if (id && !options.noDiskCache) {
    try {
      const file = diskPath(id.key);
      mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(toStored(index)));
      renameSync(tmp, file);
    } catch {
      // a read-only home or full disk only costs the next run a rescan
    }
  }
  return { index, source: 'built' };
}

/** Forgets in-memory indexes (tests and benchmarks measure a cold build with this). */
export function clearMemoryIndexCache(): void {
  memory.clear();
}
