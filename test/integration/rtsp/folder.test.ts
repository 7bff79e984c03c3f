/** startFolderRtsp: every video in a folder becomes a mount that a real client can play. */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startFolderRtsp } from '../../../src/streams/rtsp-folder.js';
import { getFixture } from '../../fixtures/index.js';
import { checkFrames, ffprobeRtsp } from '../../interop/rtsp/harness.js';
import { RawClient } from './raw-client.js';

test('serves each video of a folder at its name; other files are not mounts', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kadr-rtsp-folder-'));
  const a = getFixture('h264-mkv-offset');
  const b = getFixture('mpeg4-mp4');
  copyFileSync(a.path, path.join(dir, 'gate 1.mkv'));
  copyFileSync(b.path, path.join(dir, 'yard.mp4'));
  writeFileSync(path.join(dir, 'notes.txt'), 'not a video');
  const rtsp = await startFolderRtsp({ dir, port: 0 });
  try {
    assert.deepEqual(rtsp.mounts, ['gate 1', 'yard']);
    const c = await RawClient.connect(rtsp.port);
    assert.equal((await c.request('DESCRIBE', `rtsp://127.0.0.1:${rtsp.port}/yard`)).status, 200);
    assert.equal((await c.request('DESCRIBE', `rtsp://127.0.0.1:${rtsp.port}/notes`)).status, 404);
    c.close();
    const got = await ffprobeRtsp(`rtsp://127.0.0.1:${rtsp.port}/gate%201`, 'tcp');
    assert.equal(checkFrames(a, got), undefined);
  } finally {
    await rtsp.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a video added to the folder while serving is found at the first request for it; nothing else is', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kadr-rtsp-folder-'));
  const a = getFixture('h264-mp4-ms');
  copyFileSync(a.path, path.join(dir, 'first.mp4'));
  const rtsp = await startFolderRtsp({ dir, port: 0 });
  const url = (name: string) => `rtsp://127.0.0.1:${rtsp.port}/${name}`;
  try {
    assert.deepEqual(rtsp.mounts, ['first']);
    const c = await RawClient.connect(rtsp.port);
    assert.equal((await c.request('DESCRIBE', url('later'))).status, 404);
    copyFileSync(a.path, path.join(dir, 'later.mp4'));
    writeFileSync(path.join(dir, 'later-notes.txt'), 'not a video');
    await new Promise((r) => setTimeout(r, 1100)); // the folder is listed at most once a second
    assert.equal((await c.request('DESCRIBE', url('later'))).status, 200);
    assert.equal((await c.request('DESCRIBE', url('later-notes'))).status, 404);
    for (const hostile of ['..%2Ffirst', '%2Fetc%2Fpasswd', '..%5Cfirst']) {
      const status = (await c.request('DESCRIBE', url(hostile))).status;
      assert.ok(status === 400 || status === 404, `${hostile}: ${status}`);
    }
    c.close();
    assert.deepEqual(rtsp.mounts, ['first', 'later']);
    const got = await ffprobeRtsp(url('later'), 'tcp');
    assert.equal(checkFrames(a, got), undefined);
  } finally {
    await rtsp.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
