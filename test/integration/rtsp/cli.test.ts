/**
 * `kadr rtsp-serve` as a real process: prints its URLs, serves with Digest auth from the environment,
 * refuses unsafe or broken setups with one line and exit code 2, and stops cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { getFixture } from '../../fixtures/index.js';
import { checkFrames, ffprobeRtsp, run } from '../../interop/rtsp/harness.js';

const cli = ['--import', 'tsx', 'src/cli/bin.ts', 'rtsp-serve'];
const fixture = getFixture('hevc-mkv-offset');

test('serves with Digest auth from the environment, and stops on SIGTERM', async () => {
  const child = spawn(process.execPath, [...cli, '--port', '0', fixture.path], {
    env: { ...process.env, KADR_RTSP_USER: 'viewer', KADR_RTSP_PASSWORD: 'pa ss:w@rd' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  try {
    const [first] = (await once(child.stdout, 'data')) as [Buffer];
    const url = first.toString().trim().split('\n')[0]!;
    assert.match(url, /^rtsp:\/\/127\.0\.0\.1:\d+\/hevc-vfr-offset$/);
    const withAuth = url.replace('rtsp://', `rtsp://viewer:${encodeURIComponent('pa ss:w@rd')}@`);
    const got = await ffprobeRtsp(withAuth, 'tcp');
    assert.equal(checkFrames(fixture, got), undefined);
    const anonymous = await run('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', url]);
    assert.notEqual(anonymous.code, 0);
    assert.match(anonymous.stderr, /401|Unauthorized/);
    const wrong = await run('ffprobe', [
      '-v',
      'error',
      '-rtsp_transport',
      'tcp',
      url.replace('rtsp://', 'rtsp://viewer:nope@'),
    ]);
    assert.notEqual(wrong.code, 0);
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = (await once(child, 'exit')) as [number];
  assert.equal(code, 0, stderr);
  assert.match(stderr, /stopped/);
  assert.doesNotMatch(stderr, /pa ss:w@rd/, 'the password never reaches the logs');
});

test('refuses to listen beyond loopback without credentials, and missing files, with exit code 2', async () => {
  const open = await run(process.execPath, [...cli, '--host', '0.0.0.0', '--port', '0', fixture.path]);
  assert.equal(open.code, 2);
  assert.match(open.stderr, /refusing to serve on 0\.0\.0\.0 without authentication/);
  assert.equal(open.stderr.trim().split('\n').length, 1);
  const missing = await run(process.execPath, [...cli, '--port', '0', '/nonexistent/cam.mp4']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such file: \/nonexistent\/cam\.mp4/);
  const badPort = await run(process.execPath, [...cli, '--port', '70000', fixture.path]);
  assert.equal(badPort.code, 2);
  assert.match(badPort.stderr, /--port must be a port number/);
});

test('restreaming files loads neither the analysis runtime nor the API: onnxruntime is not mapped', async () => {
  const child = spawn(process.execPath, [...cli, '--port', '0', fixture.path], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await once(child.stdout, 'data');
    const maps = await readFile(`/proc/${child.pid}/maps`, 'utf8');
    assert.match(maps, /node-av/, 'the media library is mapped (the check reads the right process)');
    assert.doesNotMatch(maps, /onnxruntime/, 'onnxruntime (about 40 MiB resident) is not loaded');
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});
