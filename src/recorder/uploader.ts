/**
 * Puts spooled segments into the store: journals left by a crashed recorder (found at start), and
 * segments whose live upload failed (the store was down). One at a time, oldest first, retrying with
 * back-off until the store takes them; a journal is deleted only once its segment and index are stored.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../core/logger.js';
import { buildSegmentIndex, summarize, type SegmentSummary } from './segment-index.js';
import { journalMediaStream, readJournal, removeJournal } from './spool.js';
import type { RecordingStore } from './store.js';

export interface UploaderOptions {
  store: RecordingStore;
  logger: Logger;
  /**
   * A segment is stored. Called before its journal is deleted: a promise it returns is waited for,
   * and when it rejects (the database that lists the segment is down) the journal is kept and the
   * whole upload retried, so a process that dies in between finds the journal again (storing is
   * idempotent: the same keys, the same bytes).
   */
  onSegment: (summary: SegmentSummary, via: 'spool') => void | Promise<void>;
  retryMinMs?: number;
  retryMaxMs?: number;
}

export class SpoolUploader {
  private readonly queue: string[] = [];
  private running: Promise<void> | null = null;
  private readonly stopper = new AbortController();
  private idle: (() => void)[] = [];

  constructor(private readonly options: UploaderOptions) {}

  enqueue(journalPath: string): void {
    if (this.queue.includes(journalPath)) return;
    this.queue.push(journalPath);
    this.running ??= this.work().finally(() => {
      this.running = null;
      for (const resolve of this.idle.splice(0)) resolve();
    });
  }

  get pending(): string[] {
    return [...this.queue];
  }

  /** Waits until the queue is empty or `timeoutMs` has passed; returns the journals still pending. */
  async drain(timeoutMs: number): Promise<string[]> {
    if (this.running) {
      const done = new Promise<void>((resolve) => this.idle.push(resolve));
      const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
      await Promise.race([done, timer]);
    }
    return this.pending;
  }

  /** Stops retrying (the journals stay on disk for the next start). */
  stop(): void {
    this.stopper.abort();
  }

  private async work(): Promise<void> {
    const min = this.options.retryMinMs ?? 1000;
    const max = this.options.retryMaxMs ?? 15_000;
    let delay = min;
    while (this.queue.length > 0 && !this.stopper.signal.aborted) {
      const journal = this.queue[0]!;
      try {
        await this.uploadOne(journal);
        this.queue.shift();
        delay = min;
      } catch (error) {
        this.options.logger.warn('spooled segment upload failed, will retry', {
          journal,
          retryInMs: delay,
          error: (error as Error).message,
        });
        try {
          await sleep(delay, undefined, { signal: this.stopper.signal });
        } catch {
          return;
        }
        delay = Math.min(max, delay * 2);
      }
    }
  }

  private async uploadOne(journal: string): Promise<void> {
    const contents = await readJournal(journal);
    if (!contents || contents.frames.length === 0) {
      // Nothing playable was recorded before it ended (or crashed): there is nothing to store.
      this.options.logger.info('dropping spool journal without complete fragments', { journal });
      await removeJournal(journal);
      return;
    }
    const { header } = contents;
    await this.options.store.put(header.key, journalMediaStream(contents), { contentType: 'video/mp4' });
    const index = buildSegmentIndex(
      header,
      contents.frames,
      contents.end?.endReason ?? 'crash',
      contents.end?.nextPtsTicks ?? null,
    );
    await this.options.store.put(header.indexKey, Buffer.from(JSON.stringify(index)), {
      contentType: 'application/json',
    });
    this.options.logger.info('spooled segment stored', { key: header.key, frames: index.frames });
    await this.options.onSegment(summarize(index, header.indexKey, contents.mediaBytes), 'spool');
    await removeJournal(journal);
  }
}
