/**
 * A file in the folder store written as it is made (ObjectWriter): into a hidden temp file beside the
 * object, synced and renamed into place by `end`, as FsObjectStore.put does. Writes are synchronous
 * (one `write` into the page cache per call, the way the recorder's journal writes too): no copy, no
 * queue, and the caller's buffer is free again when `write` returns. Errors (disk full, a folder in
 * the way) wait in `error` and reject `end`.
 */
import { closeSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync, fsync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ObjectInfo, ObjectWriter } from './object-store.js';

const fsyncAsync = promisify(fsync);

export interface FsWriterContext {
  key: string;
  file: string;
  temp: string;
  head(key: string): Promise<ObjectInfo | null>;
  /** Removes the object's folders that are left empty (after an abort or a failed end). */
  removeEmptyFolders(): Promise<void>;
  /** An errno error as the KadrError callers see. */
  writeError(e: unknown): Error;
}

export class FsObjectWriter implements ObjectWriter {
  private fd: number | null = null;
  private failure: Error | null = null;
  private finished = false;
  readonly backlogBytes = 0;

  constructor(private readonly c: FsWriterContext) {}

  get error(): Error | null {
    return this.failure;
  }

  write(bytes: Buffer): void {
    if (this.finished) throw new Error(`object writer for ${this.c.key} is finished`);
    if (this.failure) return;
    try {
      const fd = this.open();
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at);
    } catch (e) {
      this.failure = this.c.writeError(e);
    }
  }

  async end(): Promise<ObjectInfo> {
    if (this.finished) throw new Error(`object writer for ${this.c.key} is finished`);
    this.finished = true;
    try {
      if (this.failure) throw this.failure;
      const fd = this.open();
      await fsyncAsync(fd); // durable before it becomes visible
      closeSync(fd);
      this.fd = null;
      renameSync(this.c.temp, this.c.file);
    } catch (e) {
      this.failure ??= this.c.writeError(e);
      this.removeTemp();
      await this.c.removeEmptyFolders();
      throw this.failure;
    }
    const info = await this.c.head(this.c.key);
    if (!info) throw new Error(`object ${this.c.key} vanished right after it was written`);
    return info;
  }

  async abort(reason: Error): Promise<void> {
    this.failure ??= reason;
    this.finished = true;
    this.removeTemp();
    await this.c.removeEmptyFolders();
  }

  private open(): number {
    // A concurrent delete may remove the folder once it is empty, between mkdir and open: retry.
    for (let attempt = 1; this.fd === null; attempt++) {
      try {
        mkdirSync(path.dirname(this.c.file), { recursive: true });
        this.fd = openSync(this.c.temp, 'wx');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw e;
      }
    }
    return this.fd;
  }

  private removeTemp(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = null;
    }
    try {
      unlinkSync(this.c.temp);
    } catch {
      // never created, or already renamed away
    }
  }
}
