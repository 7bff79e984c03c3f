/**
 * Object storage throughput, kadr against the peers, on the test S3 server (Ceph radosgw, started
 * here) and on disk. Upload: kadr's put (lib-storage Upload, 5 MiB parts, 2 in flight, stream of
 * unknown length) vs curl PUT of the same file to a presigned URL (one request, known length).
 * Download: kadr's get vs curl GET of a presigned URL. Disk: kadr's fs put (temp + fsync + rename)
 * vs cp + sync. Prints MiB/s and kadr/peer ratios (>1: kadr faster).
 *
 * usage: node --import tsx bench/storage-throughput.ts [MiB=64]
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FsObjectStore, S3ObjectStore, s3OptionsFromEnv } from '../src/storage/index.js';
import { s3Service } from '../test/harness/services/s3.js';

const run = promisify(execFile);
const mib = Number(process.argv[2] ?? 64);
const tmp = await mkdtemp(path.join(os.tmpdir(), 'kadr-bench-storage-'));
const file = path.join(tmp, 'data.bin');
await writeFile(file, randomBytes(mib * 1024 * 1024));

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}
const rate = (s: number) => `${(mib / s).toFixed(0)} MiB/s (${s.toFixed(2)} s)`;
async function drain(stream: NodeJS.ReadableStream): Promise<void> {
  for await (const _ of stream) void _;
}

const t0 = performance.now();
const service = await s3Service.start();
console.log(
  `S3 test server (ceph radosgw, memstore) up in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
const s3 = new S3ObjectStore(s3OptionsFromEnv({ ...service.env, S3_BUCKET: 'bench' })!);
try {
  await s3.put('warmup', Buffer.from('x'));
  const rows: [string, number, number][] = [];
  for (let round = 0; round < 2; round++) {
    const kadrPut = await timed(() => s3.put('kadr.bin', createReadStream(file)));
    const url = await getSignedUrl(s3.client, new PutObjectCommand({ Bucket: 'bench', Key: 'curl.bin' }), {
      expiresIn: 600,
    });
    const curlPut = await timed(() => run('curl', ['-sf', '-T', file, url]));
    rows.push(['S3 upload', kadrPut, curlPut]);
    const kadrGet = await timed(async () => drain(await s3.get('kadr.bin')));
    const getUrl = await s3.readLocation('curl.bin');
    const curlGet = await timed(() => run('curl', ['-sf', '-o', '/dev/null', getUrl]));
    rows.push(['S3 download', kadrGet, curlGet]);
    const fs = new FsObjectStore(path.join(tmp, 'store'));
    const kadrFs = await timed(() => fs.put('kadr.bin', createReadStream(file)));
    const cp = await timed(async () => {
      await run('cp', [file, path.join(tmp, 'cp.bin')]);
      await run('sync', [path.join(tmp, 'cp.bin')]);
    });
    rows.push(['disk write', kadrFs, cp]);
  }
  console.log(`${mib} MiB, two rounds; kadr vs peer (curl / cp+sync), ratio = peer time / kadr time`);
  for (const [what, kadr, peer] of rows) {
    console.log(
      `${what.padEnd(12)} kadr ${rate(kadr).padEnd(22)} peer ${rate(peer).padEnd(22)} ratio ${(peer / kadr).toFixed(2)}`,
    );
  }
} finally {
  s3.destroy();
  await service.stop();
  await rm(tmp, { recursive: true, force: true });
}
