/**
 * Frame indexes are built once per file and reused: in memory for the life of the process, and on disk
 * (KADR_CACHE_DIR, default ~/.cache/kadr) keyed by the file's real path, size and modification time, so
 * a second `kadr frame` on the same file skips the scan. URLs are cached on disk only when the caller
 * gives a stable key (e.g. an object's ETag), since presigned URLs change on every call.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { assertReadableFile, isUrl, openVideoInput } from '../media/index.js';
import {
  type BuildProgress,
  buildFrameIndexByDecoding,
  buildFrameIndexFromPackets,
  type FrameIndex,
} from './frame-index.js';
import { readFrameIndexFile, toFrameIndexFile } from './frame-index-file.js';

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
  const base =
    process.env.KADR_CACHE_DIR ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'kadr');
  return path.join(base, 'frame-index');
}

function identity(location: string, cacheKey?: string): { key: string; size: number } | null {
  if (cacheKey) return { key: `key:${cacheKey}`, size: 0 };
  if (isUrl(location)) return null;
  assertReadableFile(location);
  const st = statSync(location);
  return { key: `file:${realpathSync(location)}:${st.size}:${st.mtimeMs}`, size: st.size };
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
      const stored = readFrameIndexFile(JSON.parse(readFileSync(diskPath(id.key), 'utf8')), location);
      if (stored.decodeOrder) {
        const index = { ...stored, decodeOrder: stored.decodeOrder };
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
    index = await buildFrameIndexFromPackets(input, id?.size ?? 0, options.onProgress);
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
      writeFileSync(tmp, JSON.stringify(toFrameIndexFile(index)));
      renameSync(tmp, file);
    } catch {
      // a read-only home, a full disk or a pts too large for JSON only costs the next run a rescan
    }
  }
  return { index, source: 'built' };
}

/** Forgets in-memory indexes (tests and benchmarks measure a cold build with this). */
export function clearMemoryIndexCache(): void {
  memory.clear();
}
