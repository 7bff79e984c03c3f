/**
 * The same contract against a real S3 server (Ceph radosgw, started by the test driver; see
 * test/harness/services/s3.ts), plus what only S3 has: no incomplete multipart uploads left
 * behind, presigned URLs read with Range like FFmpeg does, the bucket created on first use,
 * errors for a dead endpoint and bad credentials, and a Buffer put riding out a server restart.
 */
import {
  AbortMultipartUploadCommand,
  GetBucketLifecycleConfigurationCommand,
  ListMultipartUploadsCommand,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isKadrError } from '../../../src/core/errors.js';
import {
  S3ObjectStore,
  locateObject,
  locatePrefix,
  objectStoreFromEnv,
  s3OptionsFromEnv,
} from '../../../src/storage/index.js';
import { killRgw, startRgw } from '../../harness/s3/rgw-control.js';
import { keysUnder, objectStoreContract, readAll, rejectsWith } from './contract.js';

const env = process.env;
if (!env.KADR_TEST_S3)
  throw new Error('needs the S3 test service: run through scripts/run-tests.ts (npm test)');

const bucket = `kadr-test-${randomBytes(4).toString('hex')}`;
const options = s3OptionsFromEnv({ ...env, S3_BUCKET: bucket })!;
const store = new S3ObjectStore(options);
after(() => store.destroy());

async function incompleteUploads(s: S3ObjectStore, key?: string): Promise<string[]> {
  const out = await s.client.send(new ListMultipartUploadsCommand({ Bucket: s.bucket, Prefix: key }));
  return (out.Uploads ?? []).map((u) => `${u.Key} (upload ${u.UploadId})`);
}

test('s3: the bucket does not exist before the first put', async () => {
  assert.equal(await store.head('anything'), null);
  assert.deepEqual(
    await (async () => {
      const keys: string[] = [];
      for await (const o of store.list('')) keys.push(o.key);
      return keys;
    })(),
    [],
  );
});

objectStoreContract(store, {
  leftovers: (key) => incompleteUploads(store, key),
  async readAt(location, start, end) {
    assert.match(location, /^http:\/\/127\.0\.0\.1:\d+\/.*X-Amz-Signature=/);
    const res = await fetch(location, { headers: { Range: `bytes=${start}-${end}` } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-range')?.split('/')[0], `bytes ${start}-${end}`);
    return Buffer.from(await res.arrayBuffer());
  },
});

test('s3: no incomplete multipart upload is left anywhere in the bucket', async () => {
  assert.deepEqual(await incompleteUploads(store), []);
});

test('s3: a bucket kadr creates reclaims incomplete uploads after a day', async () => {
  const out = await store.client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: store.bucket }));
  assert.deepEqual(
    out.Rules?.map((r) => r.AbortIncompleteMultipartUpload?.DaysAfterInitiation),
    [1],
  );
});

test('s3: listing follows continuation pages', async () => {
  const paged = new S3ObjectStore({ ...options, listPageSize: 2 });
  let pages = 0;
  paged.client.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === 'ListObjectsV2Command') pages++;
      return next(args);
    },
    { step: 'initialize' },
  );
  try {
    const all = await keysUnder(store, 'list');
    assert.equal(all.length, 7);
    assert.deepEqual(await keysUnder(paged, 'list'), all);
    assert.equal(pages, 4);
  } finally {
    paged.destroy();
  }
});

test('s3: the ETag comes from HEAD, not from the multipart completion', async () => {
  const info = await store.head('big/one.bin');
  assert.match(info?.etag ?? '', /^"[0-9a-f]{32}-\d+"$/); // multipart form: md5 of md5s, part count
});

test('s3: a presigned URL expires and is bound to its object', async () => {
  const url = await store.readLocation('small/a.txt', 1);
  assert.equal(await (await fetch(url)).text(), 'second');
  const other = new URL(url);
  other.pathname = other.pathname.replace('small/a.txt', 'big/one.bin');
  assert.equal((await fetch(other)).status, 403);
  await sleep(2100);
  assert.equal((await fetch(url)).status, 403);
});

async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

test('s3: a dead endpoint gives KADR_ERR_STORAGE_UNAVAILABLE naming it, quickly', async () => {
  const endpoint = `http://127.0.0.1:${await deadPort()}`;
  const dead = new S3ObjectStore({
    ...options,
    endpoint,
    connectTimeoutMs: 500,
    putRetry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 10 },
  });
  try {
    for (const op of [
      () => dead.head('k'),
      () => dead.get('k'),
      () => dead.put('k', Buffer.from('x')),
      () => dead.list('')[Symbol.asyncIterator]().next(),
      () => dead.delete('k'),
    ]) {
      await assert.rejects(op(), (e: unknown) => {
        assert.ok(isKadrError(e, 'KADR_ERR_STORAGE_UNAVAILABLE'), String(e));
        assert.ok(e.message.includes(endpoint), e.message);
        assert.ok(e.hint?.includes('S3_ENDPOINT'));
        return true;
      });
    }
  } finally {
    dead.destroy();
  }
});

test('s3: wrong credentials are a configuration error', async () => {
  const wrong = new S3ObjectStore({ ...options, secretAccessKey: 'not-the-secret' });
  try {
    await rejectsWith(wrong.head('small/a.txt'), 'KADR_ERR_CONFIG');
    await rejectsWith(wrong.put('small/b.txt', Buffer.from('x')), 'KADR_ERR_CONFIG');
  } finally {
    wrong.destroy();
  }
});

test('s3: a Buffer put rides out a crashed server that comes back', async () => {
  const payload = randomBytes(64 * 1024);
  await killRgw();
  let restarted = false;
  try {
    await rejectsWith(store.head('small/a.txt'), 'KADR_ERR_STORAGE_UNAVAILABLE'); // really down
    const put = store.put('outage/fragment-0001.m4s', payload);
    await sleep(1000);
    await startRgw();
    restarted = true;
    const info = await put;
    assert.equal(info.size, payload.length);
    assert.deepEqual(await readAll(await store.get('outage/fragment-0001.m4s')), payload);
  } finally {
    if (!restarted) await startRgw();
  }
});

test('s3: a streamed put fails fast when the server is down; the caller decides', async () => {
  await killRgw();
  try {
    const { Readable } = await import('node:stream');
    await rejectsWith(
      store.put('outage/stream.bin', Readable.from([randomBytes(1000)])),
      'KADR_ERR_STORAGE_UNAVAILABLE',
    );
  } finally {
    await startRgw();
  }
  assert.equal(await store.head('outage/stream.bin'), null);
});

test('s3: an object writer whose server goes away fails, says so, and leaves nothing once it is back', async () => {
  const key = 'outage/writer.bin';
  const w = store.openWriter(key);
  w.write(randomBytes(6 * 1024 * 1024)); // one part goes out now, the rest waits for end
  await sleep(300);
  await killRgw();
  try {
    w.write(randomBytes(5 * 1024 * 1024)); // a second part, sent to a dead server
    for (let i = 0; i < 100 && !w.error; i++) await sleep(100);
    assert.ok(w.error && isKadrError(w.error, 'KADR_ERR_STORAGE_UNAVAILABLE'), String(w.error));
    await rejectsWith(w.end(), 'KADR_ERR_STORAGE_UNAVAILABLE');
  } finally {
    await startRgw();
  }
  assert.equal(await store.head(key), null);
  // Its AbortMultipartUpload went to the dead server: the bucket's lifecycle rule would reclaim the
  // parts after a day; here they are removed so the bucket stays clean for the other tests.
  const left = await store.client.send(
    new ListMultipartUploadsCommand({ Bucket: store.bucket, Prefix: key }),
  );
  for (const u of left.Uploads ?? [])
    await store.client.send(
      new AbortMultipartUploadCommand({ Bucket: store.bucket, Key: key, UploadId: u.UploadId }),
    );
});

test('s3: objectStoreFromEnv and s3:// locations', async () => {
  const fromEnv = objectStoreFromEnv({ ...env, S3_BUCKET: bucket }, { dir: '/nonexistent' });
  assert.equal(fromEnv.kind, 's3');
  assert.equal((await fromEnv.head('small/a.txt'))?.size, 6);
  const { store: s, key } = locateObject(`s3://${bucket}/small/a.txt`, { ...env, S3_BUCKET: '' });
  assert.equal(key, 'small/a.txt');
  assert.equal((await readAll(await s.get(key))).toString(), 'second');
  const dest = locatePrefix(`s3://${bucket}/rec/cam1`, env);
  assert.equal(dest.prefix, 'rec/cam1/');
  assert.equal(dest.store.describe(`${dest.prefix}x.mp4`), `s3://${bucket}/rec/cam1/x.mp4`);
  for (const x of [fromEnv, s, dest.store]) (x as S3ObjectStore).destroy();
});
