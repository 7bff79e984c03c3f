/**
 * The default store: a folder on disk. An object is a file; a key's '/' are folders. Writes go to a
 * hidden temp file in the object's own folder and are renamed into place after fsync, so a reader
 * (or a restart after kill -9) never sees a half-written object. Leftover temp files from a crash
 * are invisible to get/head/list.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, opendir, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { KadrError } from '../core/errors.js';
import { abortSourceOn } from './abort.js';
import { validateKey, validatePrefix } from './keys.js';
import { FsObjectWriter } from './fs-writer.js';
import type { ObjectInfo, ObjectStore, ObjectWriter, PutOptions } from './object-store.js';
import { checkRange } from './range.js';

// `.name.kadr-tmp-<hex>`: hidden, and never a valid key segment (see keyPath), so never listed.
const TEMP = /^\..*\.kadr-tmp-[0-9a-f]{16}$/;

export class FsObjectStore implements ObjectStore {
  readonly kind = 'fs' as const;
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** The file of a key. validateKey already refuses '..' and absolute keys; the prefix check is the
   *  second lock, in case a future change to validation lets something through. */
  private keyPath(key: string): string {
    validateKey(key);
    const segments = key.split('/');
    if (segments.some((s) => TEMP.test(s))) {
      throw new KadrError(
        'KADR_ERR_STORAGE_KEY',
        `invalid object key ${JSON.stringify(key)}: reserved temp-file name`,
      );
    }
    const file = path.resolve(this.root, ...segments);
    if (!file.startsWith(this.root + path.sep)) {
      throw new KadrError(
        'KADR_ERR_STORAGE_KEY',
        `invalid object key ${JSON.stringify(key)}: leaves the store root`,
      );
    }
    return file;
  }

  async put(key: string, body: Readable | Buffer, options: PutOptions = {}): Promise<ObjectInfo> {
    const file = this.keyPath(key);
    options.signal?.throwIfAborted();
    // (a file where a folder of the key should be, or the reverse, is a KADR_ERR_CONFLICT: writeError)
    const temp = tempPath(file);
    const handle = await openInFolder(temp, () => open(temp, 'wx')).catch((e: unknown) => {
      throw writeError(key, file, e);
    });
    let closed = false;
    let unbind = () => {};
    try {
      const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
      unbind = abortSourceOn(options.signal, source); // abort destroys the source
      // A plain write loop: backpressure for free, and the handle stays open for the fsync.
      for await (const chunk of source) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
        for (let at = 0; at < bytes.length;) at += (await handle.write(bytes, at)).bytesWritten;
      }
      options.signal?.throwIfAborted();
      await handle.sync(); // durable before it becomes visible
      await handle.close();
      closed = true;
      await rename(temp, file);
    } catch (e) {
      if (!closed) await handle.close().catch(() => {});
      await unlink(temp).catch(() => {});
      await removeEmptyFolders(this.root, path.dirname(file));
      if (e instanceof Error && e.name === 'AbortError') throw e;
      throw isErrno(e) ? writeError(key, file, e) : e;
    } finally {
      unbind();
    }
    const info = await this.head(key);
    if (!info) throw new KadrError('KADR_ERR_INTERNAL', `object ${key} vanished right after it was written`);
    return info;
  }

  openWriter(key: string): ObjectWriter {
    const file = this.keyPath(key);
    return new FsObjectWriter({
      key,
      file,
      temp: tempPath(file),
      head: (k) => this.head(k),
      removeEmptyFolders: () => removeEmptyFolders(this.root, path.dirname(file)),
      writeError: (e) => (isErrno(e) ? writeError(key, file, e) : (e as Error)),
    });
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    const file = this.keyPath(key);
    const info = await this.statObject(key, file);
    if (!info) throw notFound(key, file);
    if (range) checkRange(key, range, info.size);
    // Opened before returning, so a file deleted in between still reads whole (POSIX semantics).
    const handle = await open(file, 'r').catch((e: unknown) => {
      throw isErrno(e, 'ENOENT') ? notFound(key, file) : e;
    });
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async head(key: string): Promise<ObjectInfo | null> {
    return this.statObject(key, this.keyPath(key));
  }

  private async statObject(key: string, file: string): Promise<ObjectInfo | null> {
    try {
      const s = await stat(file);
      if (!s.isFile()) return null;
      return { key, size: s.size, lastModified: s.mtime };
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return null;
      throw e;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    validatePrefix(prefix);
    // Walk only the folder the prefix points into; the rest of the prefix filters names there.
    const cut = prefix.lastIndexOf('/');
    const dirKey = cut === -1 ? '' : prefix.slice(0, cut);
    yield* this.walk(dirKey, prefix);
  }

  private async *walk(dirKey: string, prefix: string): AsyncGenerator<ObjectInfo> {
    const dir = dirKey === '' ? this.root : path.join(this.root, ...dirKey.split('/'));
    let names: { name: string; isDir: boolean }[];
    try {
      names = [];
      for await (const entry of await opendir(dir)) {
        if (!entry.isFile() && !entry.isDirectory()) continue;
        if (TEMP.test(entry.name)) continue;
        names.push({ name: entry.name, isDir: entry.isDirectory() });
      }
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return;
      throw e;
    }
    // S3 lists in UTF-8 byte order of the whole key; a folder 'a' sorts as 'a/', like its keys do.
    const sortKey = (n: { name: string; isDir: boolean }) => Buffer.from(n.isDir ? `${n.name}/` : n.name);
    names.sort((a, b) => Buffer.compare(sortKey(a), sortKey(b)));
    for (const { name, isDir } of names) {
      const key = dirKey === '' ? name : `${dirKey}/${name}`;
      if (isDir) {
        const asPrefix = `${key}/`;
        if (asPrefix.startsWith(prefix) || prefix.startsWith(asPrefix)) yield* this.walk(key, prefix);
      } else if (key.startsWith(prefix)) {
        const info = await this.statObject(key, path.join(dir, name));
        if (info) yield info;
      }
    }
  }

  /**
   * Removes temp files older than `olderThanMs` (left by a process killed mid-put), anywhere under
   * the root, with the folders they leave empty, and returns how many files. The age keeps it safe to run while other processes write:
   * a live put touches its temp file at every write.
   */
  async removeStaleTemp(olderThanMs = 3_600_000): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    const sweep = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return;
        throw e;
      }
      for (const entry of entries) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) await sweep(p);
        else if (entry.isFile() && TEMP.test(entry.name)) {
          const s = await stat(p).catch(() => null);
          if (
            s &&
            s.mtimeMs < cutoff &&
            (await unlink(p).then(
              () => true,
              () => false,
            ))
          ) {
            removed++;
            await removeEmptyFolders(this.root, dir);
          }
        }
      }
    };
    await sweep(this.root);
    return removed;
  }

  async delete(key: string): Promise<void> {
    const file = this.keyPath(key);
    try {
      await unlink(file);
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR') || isErrno(e, 'EISDIR')) return;
      throw e;
    }
    await removeEmptyFolders(this.root, path.dirname(file));
  }

  async readLocation(key: string): Promise<string> {
    const file = this.keyPath(key);
    if (!(await this.statObject(key, file))) throw notFound(key, file);
    return file;
  }

  describe(key: string): string {
    return this.keyPath(key);
  }
}

/**
 * Creates the folders of `file` and runs `openIt`. A concurrent delete may remove a folder that has
 * just become empty (removeEmptyFolders) between the two steps: then the folders are made again.
 */
export async function openInFolder<T>(file: string, openIt: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      await mkdir(path.dirname(file), { recursive: true });
      return await openIt();
    } catch (e) {
      if (!isErrno(e, 'ENOENT') || attempt >= 5) throw e;
    }
  }
}

/**
 * Removes `dir` and its parents up to (not including) `root` while they are empty, so that deleted,
 * refused and aborted objects leave no folders behind. rmdir removes only an empty folder, so a
 * folder that another writer has just put a file into stays; one it is about to put a file into is
 * made again by openInFolder.
 */
export async function removeEmptyFolders(root: string, dir: string): Promise<void> {
  for (let d = dir; d.startsWith(root + path.sep); d = path.dirname(d)) {
    try {
      await rmdir(d);
    } catch {
      return; // not empty (ENOTEMPTY / EEXIST), gone already, or not ours to remove
    }
  }
}

/** A hidden temp file beside `file` (see TEMP). */
function tempPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.kadr-tmp-${randomBytes(8).toString('hex')}`);
}

function isErrno(e: unknown, code?: string): e is NodeJS.ErrnoException {
  return (
    e instanceof Error &&
    typeof (e as NodeJS.ErrnoException).code === 'string' &&
    (code === undefined || (e as NodeJS.ErrnoException).code === code)
  );
}

function notFound(key: string, file: string): KadrError {
  return new KadrError('KADR_ERR_STORAGE_NOT_FOUND', `no object ${key} (${file})`);
}

function writeError(key: string, file: string, e: unknown): KadrError {
  if (isErrno(e, 'EISDIR') || isErrno(e, 'ENOTEMPTY') || isErrno(e, 'ENOTDIR') || isErrno(e, 'EEXIST')) {
    return new KadrError(
      'KADR_ERR_CONFLICT',
      `cannot store ${key}: a folder and an object share a name on disk`,
      {
        hint: 'on the fs store a key cannot be both an object and the prefix of other objects (a and a/b)',
        cause: e,
      },
    );
  }
  const code = isErrno(e) ? e.code : undefined;
  return new KadrError(
    'KADR_ERR_OUTPUT_WRITE',
    `cannot write object ${key} to ${file}${code ? ` (${code})` : ''}`,
    {
      hint: code === 'ENOSPC' ? 'the disk is full' : 'check that the storage folder is writable',
      cause: e,
    },
  );
}
