/**
 * The folder store after a writer dies: a real child process killed with SIGKILL in the middle of a
 * put and in the middle of an ObjectWriter leaves hidden temp files; the start-up sweep removes them
 * (and the folders they leave empty) once nobody has written to them for STALE_TEMP_MS, while the
 * temp file of a live writer beside them stays. Deleted, refused and aborted objects leave no empty
 * folders.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { silentLogger } from '../../../src/core/logger.js';
import { FsObjectStore, STALE_TEMP_MS, sweepAbandonedWrites } from '../../../src/storage/index.js';

const parent = await mkdtemp(path.join(os.tmpdir(), 'kadr-fs-crash-'));
const root = path.join(parent, 'objects');
const store = new FsObjectStore(root);
after(() => rm(parent, { recursive: true, force: true }));

const entries = async () =>
  (await readdir(root, { recursive: true, encoding: 'utf8' }).catch(() => [] as string[])).sort();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A child that writes `key` (put, or an ObjectWriter) a chunk every 20 ms until it is killed. */
async function writerKilledMidWrite(key: string, how: 'put' | 'writer'): Promise<void> {
  const storeUrl = pathToFileURL(path.resolve('src/storage/fs-store.ts')).href;
  const script = path.join(parent, `writer-${how}.ts`);
  await writeFile(
    script,
    `import { Readable } from 'node:stream';
import { FsObjectStore } from ${JSON.stringify(storeUrl)};
const store = new FsObjectStore(${JSON.stringify(root)});
const chunk = Buffer.alloc(64 * 1024, 7);
if (${JSON.stringify(how)} === 'put') {
  const body = new Readable({ read() { setTimeout(() => this.push(chunk), 20); } });
  void store.put(${JSON.stringify(key)}, body);
} else {
  const w = store.openWriter(${JSON.stringify(key)});
  setInterval(() => w.write(chunk), 20);
}
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit' });
  const exited = new Promise((r) => child.once('exit', r));
  const dir = path.join(root, ...path.dirname(key).split('/'));
  for (let i = 0; ; i++) {
    const names = await readdir(dir).catch(() => [] as string[]);
    if (names.some((n) => n.includes('.kadr-tmp-'))) break;
    if (i > 300) throw new Error(`the child never started writing ${key}`);
    await sleep(50);
  }
  await sleep(200);
  child.kill('SIGKILL');
  await exited;
}

test('kill -9 mid-write: temp files stay until the sweep, which spares a live writer', async () => {
  await writerKilledMidWrite('videos/a/source', 'put');
  await writerKilledMidWrite('rec/cam1/seg-0001.mp4', 'writer');
  await store.put('rec/cam1/seg-0000.mp4', Buffer.from('a finished segment'));
  const temps = (await entries()).filter((e) => e.includes('.kadr-tmp-'));
  assert.equal(temps.length, 2, `the killed writers left their temp files: ${temps.join(', ')}`);

  // A writer still at work beside them, in the same folder.
  const live = store.openWriter('rec/cam1/seg-0002.mp4');
  live.write(Buffer.from('live'));

  // A sweep now keeps them all: nobody can tell a fresh crash from a writer that is alive.
  const stop = sweepAbandonedWrites(store, silentLogger);
  stop();
  await sleep(200);
  assert.equal((await entries()).filter((e) => e.includes('.kadr-tmp-')).length, 3);

  // Once untouched for STALE_TEMP_MS, the killed writers' files go, with the folder left empty.
  const old = new Date(Date.now() - STALE_TEMP_MS - 60_000);
  for (const t of temps) await utimes(path.join(root, t), old, old);
  assert.equal(await store.removeStaleTemp(STALE_TEMP_MS), 2);
  const left = await entries();
  assert.ok(!left.includes(path.join('videos', 'a')), `no empty folder: ${left.join(', ')}`);
  assert.ok(!left.includes('videos'), `no empty folder: ${left.join(', ')}`);
  assert.equal(left.filter((e) => e.includes('.kadr-tmp-')).length, 1, 'the live writer keeps its file');
  await live.end();
  assert.equal((await store.head('rec/cam1/seg-0002.mp4'))?.size, 4);
});

test('delete, a refused put and an aborted writer leave no empty folders', async () => {
  const before = await entries();
  await store.put('x/y/z/obj', Buffer.from('1'));
  await store.delete('x/y/z/obj');
  assert.deepEqual(await entries(), before, 'delete');

  const failing = new Readable({
    read() {
      this.destroy(new Error('client went away'));
    },
  });
  await assert.rejects(store.put('x/y/refused', failing), /went away/);
  assert.deepEqual(await entries(), before, 'a put whose source failed');

  const w = store.openWriter('x/seg');
  w.write(Buffer.from('part'));
  await w.abort(new Error('stopped'));
  assert.deepEqual(await entries(), before, 'an aborted writer');

  // A folder that still holds an object stays.
  await store.put('x/keep', Buffer.from('k'));
  await store.put('x/gone', Buffer.from('g'));
  await store.delete('x/gone');
  assert.deepEqual(
    (await entries()).filter((e) => e.startsWith('x')),
    ['x', path.join('x', 'keep')],
  );
});
