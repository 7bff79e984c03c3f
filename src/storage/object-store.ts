/**
 * The one interface every part of kadr stores objects through: uploaded videos, recorded fMP4
 * segments, frame indexes, snapshots. Two implementations: a folder on disk (the default) and any
 * S3-compatible server (MinIO in production, Ceph RGW in the tests). Callers never know which.
 */
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified?: Date;
  etag?: string;
}

export interface PutOptions {
  contentType?: string;
  /** Aborting stops the upload and leaves nothing behind (no object, no incomplete upload). */
  signal?: AbortSignal;
}

/**
 * An object written piece by piece while it is being made (a recording segment), for a producer that
 * must never wait: `write` copies or writes the bytes before it returns, so the caller may reuse its
 * buffer at once. Store failures do not throw from `write`: they show in `error` (later writes are
 * dropped) and reject `end`. Nothing is visible under the key until `end` resolves; after `abort`, or a
 * failed `end`, nothing is left behind (S3: the multipart upload is aborted, best effort when the
 * server is down; the folder store deletes its temp file).
 */
export interface ObjectWriter {
  write(bytes: Buffer): void;
  /** Bytes written but not yet acknowledged by the store (a slow store shows here). */
  readonly backlogBytes: number;
  /** The first store failure, or null. */
  readonly error: Error | null;
  /** Stores what was written as the object (an empty object if nothing was). */
  end(): Promise<ObjectInfo>;
  /** Gives up the object; resolves when the store has been told. */
  abort(reason: Error): Promise<void>;
}

export interface ObjectStore {
  readonly kind: 'fs' | 's3';
  /**
   * Streams `body` into `key` without holding it whole in memory (S3: lib-storage Upload, multipart,
   * unknown length). A failing source or abort leaves no object and no incomplete upload behind.
   * Retries: a Buffer body is replayed on transient failures (server down, 5xx) with back-off; a
   * stream body cannot be replayed, so a failed streamed put rejects and the caller decides (keep
   * its own copy and put again, or give up). A stream body is consumed and, on failure, destroyed.
   */
  put(key: string, body: Readable | Buffer, options?: PutOptions): Promise<ObjectInfo>;
  /** An object written as it is made, without a stream in between (see ObjectWriter). */
  openWriter(key: string, options?: { contentType?: string }): ObjectWriter;
  /** Whole object or a byte range [start, end] inclusive. Missing key: KadrError KADR_ERR_STORAGE_NOT_FOUND.
   *  Read the stream to its end or destroy it: it holds a file handle or a pooled connection. */
  get(key: string, range?: { start: number; end?: number }): Promise<Readable>;
  head(key: string): Promise<ObjectInfo | null>;
  /** Every object whose key starts with `prefix` (a plain string prefix, '' for all), in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Where FFmpeg (node-av, in-process) can open the object for reading with seeks: a local file path
   * for the fs store, a presigned HTTP(S) GET URL for S3 (FFmpeg's http protocol does Range requests).
   * Missing key: KADR_ERR_STORAGE_NOT_FOUND.
   */
  readLocation(key: string, expiresInS?: number): Promise<string>;
  /** s3://bucket/key or file path form of a key, for printing and for `kadr frame <location>`. */
  describe(key: string): string;
}
