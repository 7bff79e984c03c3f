/**
 * What the recorder needs from object storage, declared here by the consumer so that the recorder
 * depends on a small interface of its own, not on a storage implementation. The
 * storage module's ObjectStore satisfies it; tests may pass any other implementation.
 */
import type { Readable } from 'node:stream';

export interface RecordingStore {
  /** Streams `body` into `key`; a failed or aborted put leaves no object behind. */
  put(
    key: string,
    body: Readable | Buffer,
    options?: { contentType?: string; signal?: AbortSignal },
  ): Promise<unknown>;
  /**
   * An object written fragment by fragment as it is recorded: `write` never waits (the bytes are
   * copied or written before it returns), store failures show in `error`, nothing is visible before
   * `end` resolves, and `abort` leaves nothing behind.
   */
  openWriter(key: string, options?: { contentType?: string }): LiveObject;
  delete(key: string): Promise<void>;
  /** The path or s3:// URL of a key, as `kadr frame` and `kadr compare` accept it. */
  describe(key: string): string;
  /** Keys under a prefix: where an earlier run's last segment is found (last-recorded.ts). */
  list?(prefix: string): AsyncIterable<{ key: string }>;
  get?(key: string): Promise<Readable>;
}

export interface LiveObject {
  write(bytes: Buffer): void;
  readonly backlogBytes: number;
  readonly error: Error | null;
  end(): Promise<unknown>;
  abort(reason: Error): Promise<void>;
}
