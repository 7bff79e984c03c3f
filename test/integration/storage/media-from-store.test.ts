/**
 * The point of readLocation: kadr's own timeline code (node-av, FFmpeg in-process) reads a stored
 * video straight from the store, with seeks, and finds the same frames as in the local original.
 * An MP4 without faststart keeps its index at the end, so opening it over HTTP needs Range requests.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { comparePictures } from '../../../src/media/index.js';
import {
  FsObjectStore,
  S3ObjectStore,
  s3OptionsFromEnv,
  type ObjectStore,
} from '../../../src/storage/index.js';
import { frameAt } from '../../../src/timeline/index.js';

const run = promisify(execFile);
const tmp = await mkdtemp(path.join(os.tmpdir(), 'kadr-media-store-'));
const original = path.join(tmp, 'vfr.mp4');
const stores: ObjectStore[] = [new FsObjectStore(path.join(tmp, 'store'))];
if (process.env.KADR_TEST_S3) {
  stores.push(
    new S3ObjectStore(
      s3OptionsFromEnv({ ...process.env, S3_BUCKET: `kadr-media-${randomBytes(4).toString('hex')}` })!,
    ),
  );
}

before(async () => {
  // Variable frame rate (frames dropped at irregular places) with B-frames, index at the end.
  await run('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=96x64:rate=30:duration=3',
    '-vf',
    "select='not(eq(mod(n\\,7)\\,3))*not(eq(mod(n\\,11)\\,5))'",
    '-fps_mode',
    'vfr',
    '-c:v',
    'libx264',
    '-bf',
    '2',
    '-g',
    '12',
    original,
  ]);
});
after(async () => {
  for (const s of stores) if (s instanceof S3ObjectStore) s.destroy();
  await rm(tmp, { recursive: true, force: true });
});

for (const store of stores) {
  test(`${store.kind}: frames read through readLocation equal the original's`, async () => {
    await store.put('videos/vfr.mp4', await readFile(original), { contentType: 'video/mp4' });
    const location = await store.readLocation('videos/vfr.mp4');
    for (const t of [0, 333, 1234, 2500, 2950]) {
      const a = await frameAt(original, t, { noDiskCache: true });
      const b = await frameAt(location, t, { noDiskCache: true });
      try {
        assert.equal(b.index, a.index, `frame index at ${t} ms`);
        assert.equal(b.ptsTicks, a.ptsTicks, `pts at ${t} ms`);
        assert.ok(comparePictures(a.frame, b.frame).identical, `pixels at ${t} ms`);
      } finally {
        a.frame.free();
        b.frame.free();
      }
    }
  });
}
