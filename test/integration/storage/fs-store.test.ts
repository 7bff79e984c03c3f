import assert from 'node:assert/strict';
import { open, readdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { FsObjectStore, objectStoreFromEnv } from '../../../src/storage/index.js';
import { keysUnder, objectStoreContract, readAll } from './contract.js';

const parent = await mkdtemp(path.join(os.tmpdir(), 'kadr-fs-store-'));
const root = path.join(parent, 'root');
const store = new FsObjectStore(root);
after(() => rm(parent, { recursive: true, force: true }));

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  }
  return out.sort();
}

objectStoreContract(store, {
  async leftovers(key) {
    const dir = path.dirname(path.join(root, key));
    const names = await readdir(dir).catch(() => [] as string[]);
    return names.filter((n) => n.includes(path.basename(key)));
  },
  async readAt(location, start, end) {
    assert.ok(path.isAbsolute(location), location);
    const fh = await open(location, 'r');
    try {
      const buf = Buffer.alloc(end - start + 1);
      const { bytesRead } = await fh.read(buf, 0, buf.length, start);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  },
});

test('fs: nothing was ever written outside the root', async () => {
  assert.deepEqual(await readdir(parent), ['root']);
  assert.ok((await allFiles(root)).includes('big/one.bin'));
});

test('fs: a temp file left by a crash is invisible', async () => {
  await writeFile(path.join(root, 'big', '.one.bin.kadr-tmp-0123456789abcdef'), 'half a segment');
  assert.deepEqual(await keysUnder(store, 'big/'), ['big/one.bin']);
  await assert.rejects(store.head('big/.one.bin.kadr-tmp-0123456789abcdef'), /reserved/);
});

test('fs: removeStaleTemp sweeps old temp files only', async () => {
  const stale = path.join(root, 'big', '.one.bin.kadr-tmp-0123456789abcdef'); // from the test above
  const fresh = path.join(root, 'list', 'a', '.1.kadr-tmp-fedcba9876543210');
  await writeFile(fresh, 'a put in progress');
  const hourAgo = new Date(Date.now() - 2 * 3_600_000);
  await utimes(stale, hourAgo, hourAgo);
  assert.equal(await store.removeStaleTemp(), 1);
  await assert.rejects(stat(stale), /ENOENT/);
  assert.ok((await stat(fresh)).isFile());
  assert.equal(await store.removeStaleTemp(0), 1);
  await assert.rejects(stat(fresh), /ENOENT/);
  assert.equal((await store.head('big/one.bin'))?.size, 21 * 1024 * 1024 + 12345); // objects untouched
});

test('fs: a file and a folder cannot share a key', async () => {
  await store.put('clash/file', Buffer.from('x'));
  await assert.rejects(
    store.put('clash/file/inner', Buffer.from('y')),
    (e: { code?: string }) => e.code === 'KADR_ERR_CONFLICT',
  );
  await store.put('clash2/dir/inner', Buffer.from('y'));
  await assert.rejects(
    store.put('clash2/dir', Buffer.from('x')),
    (e: { code?: string }) => e.code === 'KADR_ERR_CONFLICT',
  );
  assert.equal((await readAll(await store.get('clash2/dir/inner'))).toString(), 'y');
});

test('fs: readLocation and describe are absolute paths under the root', async () => {
  const loc = await store.readLocation('big/one.bin');
  assert.equal(loc, path.join(root, 'big', 'one.bin'));
  assert.ok((await stat(loc)).isFile());
  assert.equal(store.describe('a/b'), path.join(root, 'a', 'b'));
});

test('fs: objectStoreFromEnv without S3 variables is a folder store', () => {
  const s = objectStoreFromEnv({}, { dir: root });
  assert.equal(s.kind, 'fs');
  assert.equal(s.describe('k'), path.join(root, 'k'));
});
