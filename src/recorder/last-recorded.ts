/**
 * When an earlier run of the recorder last received a frame for this destination, so that the first
 * segment of a new run marks the gap since then (a restart after `kill -9`, a crash, or a stop). The
 * newest frame is in one of two places: a journal the dead run left in the spool (its segment was
 * still open), or the index of the newest segment in the store (segment keys are the ISO time of
 * their first frame, so the greatest key is the newest).
 */
import type { Logger } from '../core/logger.js';
import type { SegmentIndexJson } from './segment-index.js';
import { readJournal } from './spool.js';
import type { RecordingStore } from './store.js';

export interface LastRecorded {
  /** Local wallclock (ms since 1970) of the last frame received. */
  atMs: number;
  /** The earlier run died with a segment open (a journal was left in the spool). */
  crashed: boolean;
}

const INDEX_SUFFIX = '.index.json';

export async function lastRecorded(
  store: RecordingStore,
  prefix: string,
  orphanJournals: string[],
  log: Logger,
): Promise<LastRecorded | null> {
  let atMs: number | null = null;
  for (const journal of orphanJournals) {
    const contents = await readJournal(journal).catch(() => null);
    for (const f of contents?.frames ?? []) if (atMs === null || f.receivedAtMs > atMs) atMs = f.receivedAtMs;
  }
  if (atMs !== null) return { atMs, crashed: true };
  if (!store.list || !store.get) return null;
  try {
    let newest: string | null = null;
    for await (const { key } of store.list(prefix)) {
      const name = key.slice(prefix.length);
      if (name.includes('/') || !name.endsWith(INDEX_SUFFIX)) continue;
      if (newest === null || key > newest) newest = key;
    }
    if (newest === null) return null;
    const chunks: Buffer[] = [];
    for await (const chunk of await store.get(newest)) chunks.push(chunk as Buffer);
    const index = JSON.parse(Buffer.concat(chunks).toString()) as Partial<SegmentIndexJson>;
    const received = index.receivedAtMs ?? [];
    if (received.length === 0) return null;
    return { atMs: Math.max(...received), crashed: false };
  } catch (error) {
    // Only the gap's mark depends on it: recording goes on without.
    log.warn('cannot read the last segment of an earlier run', { error: (error as Error).message });
    return null;
  }
}
