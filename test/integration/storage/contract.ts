/**
 * The ObjectStore contract, run against every store (fs-store.test.ts, s3-store.test.ts): whatever
 * passes here, the recorder and the HTTP API may rely on for both.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { isKadrError, type KadrErrorCode } from '../../../src/core/errors.js';
import type { ObjectStore } from '../../../src/storage/index.js';

export const MiB = 1024 * 1024;
const run = promisify(execFile);

/** Deterministic irregular chunk sizes, 1 byte to 1 MiB: no store may depend on the chunking. */
export function* irregularChunks(data: Buffer, seed = 7): Generator<Buffer> {
  let x = seed;
  for (let at = 0; at < data.length;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const n = x % 5 === 0 ? 1 + (x % 97) : 1 + (x % MiB);
    yield data.subarray(at, at + n);
    at += n;
  }
}

/** A stream of unknown length (no size anywhere) that hands out `data` in irregular chunks. */
export function unknownLengthStream(data: Buffer, failAfter?: number): Readable {
  const chunks = irregularChunks(data);
  let sent = 0;
  return new Readable({
    read() {
      if (failAfter !== undefined && sent >= failAfter) {
        this.destroy(new Error('camera went away'));
        return;
      }
      const next = chunks.next();
      if (next.done) this.push(null);
      else {
        sent += next.value.length;
        // copy: a store must not keep references into the caller's buffer
        setImmediate(() => this.push(Buffer.from(next.value)));
      }
    },
  });
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

export async function rejectsWith(p: Promise<unknown>, code: KadrErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isKadrError(e, code), `expected ${code}, got ${String((e as Error)?.stack ?? e)}`);
    return true;
  });
}

export async function keysUnder(store: ObjectStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.list(prefix)) out.push(o.key);
  return out;
}

export interface ContractHooks {
  /** Everything the store left behind for `key` outside the object itself: temp files on disk,
   *  incomplete multipart uploads in S3. Must be empty after a failed put. */
  leftovers(key: string): Promise<string[]>;
  /** Reads what readLocation returned, bytes [start, end], the way FFmpeg would. */
  readAt(location: string, start: number, end: number): Promise<Buffer>;
}

export function objectStoreContract(store: ObjectStore, hooks: ContractHooks): void {
  const data = randomBytes(21 * MiB + 12345); // > 4 multipart parts, not a multiple of anything

  test('put streams 21 MiB of unknown length in irregular chunks; get returns the same bytes', async () => {
    const info = await store.put('big/one.bin', unknownLengthStream(data), {
      contentType: 'application/octet-stream',
    });
    assert.equal(info.key, 'big/one.bin');
    assert.equal(info.size, data.length);
    const head = await store.head('big/one.bin');
    assert.equal(head?.size, data.length);
    assert.ok(head?.lastModified instanceof Date);
    assert.equal(sha256(await readAll(await store.get('big/one.bin'))), sha256(data));
  });

  test('ranged get: inside, open-ended, end past the object, start past the end', async () => {
    const key = 'big/one.bin';
    assert.deepEqual(
      await readAll(await store.get(key, { start: 1000, end: 1999 })),
      data.subarray(1000, 2000),
    );
    const mid = 7 * MiB + 3; // across a part boundary of the upload
    assert.deepEqual(
      await readAll(await store.get(key, { start: mid - 10, end: mid + 10 })),
      data.subarray(mid - 10, mid + 11),
    );
    assert.deepEqual(
      await readAll(await store.get(key, { start: data.length - 5 })),
      data.subarray(data.length - 5),
    );
    assert.deepEqual(
      await readAll(await store.get(key, { start: data.length - 3, end: data.length + 100 })),
      data.subarray(data.length - 3),
    );
    assert.deepEqual(await readAll(await store.get(key, { start: 0, end: 0 })), data.subarray(0, 1));
    await rejectsWith(store.get(key, { start: data.length }), 'KADR_ERR_VALIDATION');
    await rejectsWith(store.get(key, { start: 10, end: 5 }), 'KADR_ERR_VALIDATION');
    await rejectsWith(store.get(key, { start: -1 }), 'KADR_ERR_VALIDATION');
  });

  test('streams of exactly one and two part sizes round-trip (multipart edge cases)', async () => {
    for (const size of [5 * MiB, 10 * MiB, 5 * MiB + 1]) {
      const key = `edge/${size}.bin`;
      const info = await store.put(key, unknownLengthStream(data.subarray(0, size)));
      assert.equal(info.size, size);
      assert.equal(sha256(await readAll(await store.get(key))), sha256(data.subarray(0, size)));
      await store.delete(key);
    }
  });

  test('openWriter: 21 MiB in irregular writes of a reused buffer; nothing visible before end', async () => {
    const key = 'writer/one.bin';
    const w = store.openWriter(key, { contentType: 'video/mp4' });
    const scratch = Buffer.alloc(MiB);
    for (const chunk of irregularChunks(data, 11)) {
      // The caller's buffer is only lent: overwritten right after each write.
      chunk.copy(scratch);
      w.write(scratch.subarray(0, chunk.length));
      scratch.fill(0xee);
      if (w.backlogBytes > 12 * MiB) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(await store.head(key), null);
    assert.equal(w.error, null);
    const info = await w.end();
    assert.equal(info.size, data.length);
    assert.equal(w.backlogBytes, 0);
    assert.equal(sha256(await readAll(await store.get(key))), sha256(data));
    await assert.rejects(w.end(), /finished/);
    await store.delete(key);
    assert.deepEqual(await hooks.leftovers(key), []); // no temp file, no incomplete upload
  });

  test('openWriter: empty, under one part, exactly one and two part sizes, one byte over', async () => {
    for (const size of [0, 1000, 5 * MiB, 10 * MiB, 5 * MiB + 1]) {
      const key = `writer-edge/${size}.bin`;
      const w = store.openWriter(key);
      if (size > 0) w.write(data.subarray(0, size));
      assert.equal((await w.end()).size, size);
      assert.equal(sha256(await readAll(await store.get(key))), sha256(data.subarray(0, size)));
      await store.delete(key);
      assert.deepEqual(await hooks.leftovers(key), []);
    }
  });

  test('openWriter: abort leaves no object and no incomplete upload, before or after parts went out', async () => {
    for (const size of [1000, 12 * MiB]) {
      const key = `writer-failed/${size}.bin`;
      const w = store.openWriter(key);
      w.write(data.subarray(0, size));
      await new Promise((r) => setTimeout(r, 200)); // let parts go out
      await w.abort(new Error('recording dropped'));
      assert.equal(await store.head(key), null);
      assert.deepEqual(await hooks.leftovers(key), []);
      assert.throws(() => w.write(data.subarray(0, 10)), /finished/);
    }
    assert.deepEqual(await keysUnder(store, 'writer-failed/'), []);
  });

  test('Buffer put, overwrite, empty object', async () => {
    await store.put('small/a.txt', Buffer.from('first version'));
    const info = await store.put('small/a.txt', Buffer.from('second'), { contentType: 'text/plain' });
    assert.equal(info.size, 6);
    assert.equal((await readAll(await store.get('small/a.txt'))).toString(), 'second');
    await store.put('small/empty', Buffer.alloc(0));
    assert.equal((await store.head('small/empty'))?.size, 0);
    assert.equal((await readAll(await store.get('small/empty'))).length, 0);
    await store.put('small/empty-stream', Readable.from([]));
    assert.equal((await store.head('small/empty-stream'))?.size, 0);
  });

  test('missing objects: head is null, get and readLocation say not found', async () => {
    assert.equal(await store.head('nope/missing.bin'), null);
    await rejectsWith(store.get('nope/missing.bin'), 'KADR_ERR_STORAGE_NOT_FOUND');
    await rejectsWith(store.get('nope/missing.bin', { start: 0, end: 10 }), 'KADR_ERR_STORAGE_NOT_FOUND');
    await rejectsWith(store.readLocation('nope/missing.bin'), 'KADR_ERR_STORAGE_NOT_FOUND');
    // a "folder" of other keys is not an object
    assert.equal(await store.head('big'), null);
    await rejectsWith(store.get('big'), 'KADR_ERR_STORAGE_NOT_FOUND');
  });

  test('list by prefix: string prefix, key order, sizes', async () => {
    const keys = ['list/a/2', 'list/a/1', 'list/ab', 'list/a-z', 'list/b/1', 'list/b/c/d/e', 'listing'];
    for (const [i, k] of keys.entries()) await store.put(k, Buffer.alloc(i + 1, i));
    assert.deepEqual(await keysUnder(store, 'list/a/'), ['list/a/1', 'list/a/2']);
    // UTF-8 byte order of whole keys, as S3 lists: '-' (0x2d) < '/' (0x2f) < 'b'
    assert.deepEqual(await keysUnder(store, 'list/a'), ['list/a-z', 'list/a/1', 'list/a/2', 'list/ab']);
    assert.deepEqual(await keysUnder(store, 'list/'), [
      'list/a-z',
      'list/a/1',
      'list/a/2',
      'list/ab',
      'list/b/1',
      'list/b/c/d/e',
    ]);
    assert.deepEqual(await keysUnder(store, 'list'), [
      'list/a-z',
      'list/a/1',
      'list/a/2',
      'list/ab',
      'list/b/1',
      'list/b/c/d/e',
      'listing',
    ]);
    assert.deepEqual(await keysUnder(store, 'list/b/c/d/e'), ['list/b/c/d/e']);
    assert.deepEqual(await keysUnder(store, 'list/zzz'), []);
    assert.deepEqual(await keysUnder(store, 'no-such-prefix/'), []);
    const sizes = new Map<string, number>();
    for await (const o of store.list('list/')) sizes.set(o.key, o.size);
    assert.equal(sizes.get('list/b/c/d/e'), 6);
    assert.ok((await keysUnder(store, '')).includes('big/one.bin'));
  });

  test('delete removes the object; deleting a missing key is fine', async () => {
    await store.put('del/x', Buffer.from('x'));
    await store.delete('del/x');
    assert.equal(await store.head('del/x'), null);
    assert.deepEqual(await keysUnder(store, 'del/'), []);
    await store.delete('del/x');
    await store.delete('del/never/existed');
  });

  test('keys that could escape or mean two things are refused by every operation', async () => {
    const bad = [
      '../escape',
      'a/../../escape',
      '..',
      'a/..',
      './a',
      'a/./b',
      '/etc/passwd',
      'a//b',
      'a/',
      '',
      'a\\..\\b',
      'nul\u0000byte',
      'line\nfeed',
      'x'.repeat(1025),
    ];
    for (const key of bad) {
      await rejectsWith(store.put(key, Buffer.from('no')), 'KADR_ERR_STORAGE_KEY');
      await rejectsWith(store.get(key), 'KADR_ERR_STORAGE_KEY');
      await rejectsWith(store.head(key), 'KADR_ERR_STORAGE_KEY');
      await rejectsWith(store.delete(key), 'KADR_ERR_STORAGE_KEY');
      await rejectsWith(store.readLocation(key), 'KADR_ERR_STORAGE_KEY');
      assert.throws(
        () => store.describe(key),
        (e: unknown) => isKadrError(e, 'KADR_ERR_STORAGE_KEY'),
      );
    }
    for (const prefix of ['../', 'a/../', '/abs', 'a//']) {
      await rejectsWith(keysUnder(store, prefix), 'KADR_ERR_STORAGE_KEY');
    }
    // unusual but valid keys round-trip
    for (const key of ['odd/спутник кадр.mp4', 'odd/a+b=c&d', 'odd/..dots..', 'odd/%2e%2e']) {
      await store.put(key, Buffer.from(key));
      assert.equal((await readAll(await store.get(key))).toString(), key);
    }
  });

  test('a source stream that fails mid-way leaves no object and no incomplete upload', async () => {
    const key = 'failed/source.bin';
    await assert.rejects(store.put(key, unknownLengthStream(data, 12 * MiB)), /camera went away/);
    assert.equal(await store.head(key), null);
    assert.deepEqual(await keysUnder(store, 'failed/'), []);
    assert.deepEqual(await hooks.leftovers(key), []);
  });

  test('an aborted put leaves no object and no incomplete upload', async () => {
    const key = 'failed/aborted.bin';
    const controller = new AbortController();
    const source = unknownLengthStream(data);
    let seen = 0;
    source.on('data', (c: Buffer) => {
      seen += c.length;
      if (seen > 11 * MiB && !controller.signal.aborted) controller.abort(new Error('operator stopped it'));
    });
    await assert.rejects(store.put(key, source, { signal: controller.signal }));
    assert.equal(await store.head(key), null);
    assert.deepEqual(await hooks.leftovers(key), []);
    const already = new AbortController();
    already.abort();
    await assert.rejects(store.put('failed/never.bin', Buffer.from('x'), { signal: already.signal }));
    assert.equal(await store.head('failed/never.bin'), null);
  });

  test('a signal that fires after the put finished changes nothing', async () => {
    const session = new AbortController(); // e.g. one signal for a whole recording session
    await store.put('late/a.bin', unknownLengthStream(data.subarray(0, 100_000)), { signal: session.signal });
    await store.put('late/b.bin', data.subarray(0, 1000), { signal: session.signal });
    session.abort(new Error('session over'));
    await new Promise((r) => setImmediate(r));
    assert.equal((await store.head('late/a.bin'))?.size, 100_000);
    assert.equal((await store.head('late/b.bin'))?.size, 1000);
  });

  test('readLocation gives a place FFmpeg can read with seeks', async () => {
    const location = await store.readLocation('big/one.bin');
    const start = 5 * MiB - 7;
    assert.deepEqual(await hooks.readAt(location, start, start + 4095), data.subarray(start, start + 4096));
  });

  test('FFmpeg (ffprobe, a peer) opens readLocation and seeks to the moov at the end', async () => {
    // An MP4 written without faststart keeps its index at the end: reading it needs a seek
    // (a Range request over HTTP), the access pattern of `kadr frame` on a recording.
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'kadr-contract-'));
    try {
      const file = path.join(tmp, 'clip.mp4');
      await run('ffmpeg', [
        '-v',
        'error',
        '-f',
        'lavfi',
        '-i',
        'testsrc=size=64x48:rate=25:duration=2',
        '-c:v',
        'libx264',
        '-g',
        '10',
        file,
      ]);
      await store.put('media/clip.mp4', await readFile(file), { contentType: 'video/mp4' });
      const location = await store.readLocation('media/clip.mp4');
      const { stdout } = await run('ffprobe', [
        '-v',
        'error',
        '-count_packets',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=nb_read_packets,width',
        '-of',
        'csv=p=0',
        location,
      ]);
      assert.equal(stdout.trim(), '64,50');
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  test('describe names the object', () => {
    const d = store.describe('big/one.bin');
    assert.ok(d.endsWith('big/one.bin'), d);
    if (store.kind === 's3') assert.match(d, /^s3:\/\/[a-z0-9.-]+\/big\/one\.bin$/);
  });
}
