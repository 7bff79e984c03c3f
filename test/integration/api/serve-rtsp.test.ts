/**
 * `kadr serve --media <dir>` also restreams the videos of a folder over RTSP (docs/rtsp.md: the same
 * server also starts inside kadr serve), checked with Debian's ffprobe as the client.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { getFixture } from '../../fixtures/index.js';
import { createTestDatabase } from './support/database.js';
import { kadrEnv, startKadr } from './support/kadr-process.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

test('kadr serve --media serves each video of the folder at rtsp://host:port/<name>', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kadr-serve-media-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const fixture = getFixture('h264-mp4-ms');
  copyFileSync(fixture.path, path.join(dir, 'cam1.mp4'));
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());
  const rtspPort = await freePort();
  const kadr = await startKadr(
    [
      'serve',
      '--port',
      '0',
      '--concurrency',
      '0',
      '--data',
      path.join(dir, 'data'),
      '--media',
      dir,
      '--rtsp-port',
      String(rtspPort),
    ],
    kadrEnv({ DATABASE_URL: db.url }),
    /(rtsp:\/\/127\.0\.0\.1:\d+\/cam1)/,
  );
  cleanups.push(async () => void (await kadr.stop()));
  assert.equal(kadr.url, `rtsp://127.0.0.1:${rtspPort}/cam1`);
  const out = execFileSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-rtsp_transport',
      'tcp',
      '-show_entries',
      'stream=codec_name,width,height',
      '-of',
      'csv=p=0',
      kadr.url,
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.equal(out.trim(), `h264,${fixture.width},${fixture.height}`);
});
