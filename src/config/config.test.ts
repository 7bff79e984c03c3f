import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isKadrError } from '../core/errors.js';
import { loadConfig } from './config.js';
import { rtspCacheBytes } from './sections.js';

test('defaults: loopback 8080, ./data, one video per core', () => {
  const c = loadConfig({}, {}).server;
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 8080);
  assert.equal(c.dataDir, path.resolve('data'));
  assert.equal(c.objectsDir, path.resolve('data', 'objects'));
  assert.equal(c.concurrency, os.availableParallelism());
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.profileDistance, 0.55);
  assert.ok(Object.isFrozen(c));
  assert.ok(Object.isFrozen(loadConfig({}, {})));
});

test('flags override the environment, which overrides defaults', () => {
  const env = { KADR_PORT: '9000', KADR_DATA_DIR: '/srv/kadr', KADR_CONCURRENCY: '3' };
  assert.equal(loadConfig({}, env).server.port, 9000);
  const c = loadConfig({ port: '9100', data: '/tmp/k', concurrency: '1' }, env).server;
  assert.deepEqual([c.port, c.dataDir, c.concurrency], [9100, '/tmp/k', 1]);
  assert.equal(c.analysisThreads, os.availableParallelism());
});

test('an invalid value is rejected with the key, the value and the rule', () => {
  assert.throws(
    () => loadConfig({}, { KADR_PORT: '70000' }).server,
    (e) =>
      isKadrError(e, 'KADR_ERR_CONFIG') &&
      /'KADR_PORT' must be an integer 0–65535, got '70000'/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ port: 'abc' }, {}).server,
    (e) => isKadrError(e) && e.message.includes("'--port'"),
  );
  assert.throws(
    () => loadConfig({}, { KADR_UPLOAD_MAX_BYTES: 'lots' }).server,
    (e) => isKadrError(e) && e.message.includes('KADR_UPLOAD_MAX_BYTES'),
  );
  assert.equal(loadConfig({}, { KADR_UPLOAD_MAX_BYTES: '2G' }).server.uploadMaxBytes, 2 * 1024 ** 3);
  assert.throws(
    () => loadConfig({}, { DATABASE_URL: 'mysql://x' }).server,
    (e) => isKadrError(e) && e.message.includes('DATABASE_URL'),
  );
  assert.throws(
    () => loadConfig({}, { KADR_PROFILE_DISTANCE: '3' }).server,
    (e) => isKadrError(e, 'KADR_ERR_CONFIG') && e.message.includes("'KADR_PROFILE_DISTANCE'"),
  );
  assert.throws(
    () => loadConfig({}, { KADR_FFMPEG_LOG: 'loud' }).ffmpegLog,
    (e) => isKadrError(e, 'KADR_ERR_CONFIG') && e.message.includes("'KADR_FFMPEG_LOG'"),
  );
  assert.throws(
    () => loadConfig({}, { KADR_LIVE_QUALITIES: '720p,hd' }).live,
    (e) => isKadrError(e, 'KADR_ERR_CONFIG') && e.message.includes("'KADR_LIVE_QUALITIES'"),
  );
  assert.deepEqual(loadConfig({}, {}).live.ladder, [720, 480, 240]);
  assert.deepEqual(loadConfig({}, { KADR_LIVE_QUALITIES: '240p, 1080p' }).live.ladder, [1080, 240]);
  assert.deepEqual(loadConfig({}, { KADR_LIVE_QUALITIES: 'none' }).live.ladder, []);
});

test('a section is checked when it is first used: a bad value elsewhere does not stop it', () => {
  const c = loadConfig({}, { KADR_PORT: 'abc', KADR_RTSP_CACHE: 'lots', KADR_CACHE_DIR: '/c' });
  assert.equal(c.paths.indexCacheDir, path.join('/c', 'frame-index'));
  assert.equal(c.rtsp.mediaDir, undefined);
  assert.throws(
    () => c.rtsp.cacheBytes,
    (e) => isKadrError(e) && e.message.includes('KADR_RTSP_CACHE'),
  );
  assert.throws(
    () => c.server,
    (e) => isKadrError(e) && e.message.includes('KADR_PORT'),
  );
});

test('listening beyond loopback needs KADR_API_TOKEN, and the message says so', () => {
  assert.throws(
    () => loadConfig({ host: '0.0.0.0' }, {}).server,
    (e) => isKadrError(e, 'KADR_ERR_CONFIG') && /KADR_API_TOKEN/.test(e.hint ?? ''),
  );
  const c = loadConfig({ host: '0.0.0.0' }, { KADR_API_TOKEN: 'a-long-enough-secret' }).server;
  assert.equal(c.apiToken, 'a-long-enough-secret');
  assert.equal(loadConfig({ host: '::1' }, {}).server.host, '::1');
});

test('RTSP packet cache size: flag, then KADR_RTSP_CACHE, then 256 MiB; 0 turns it off', () => {
  assert.equal(rtspCacheBytes(undefined, {}), 256 * 2 ** 20);
  assert.equal(rtspCacheBytes(undefined, { KADR_RTSP_CACHE: '1G' }), 2 ** 30);
  assert.equal(rtspCacheBytes('0', { KADR_RTSP_CACHE: '1G' }), 0);
  assert.equal(rtspCacheBytes('64M', {}), 64 * 2 ** 20);
  assert.throws(
    () => rtspCacheBytes('lots', {}),
    (e) => isKadrError(e, 'KADR_ERR_CONFIG') && e.message.includes('--cache'),
  );
  assert.equal(loadConfig({ cache: '64M' }, { KADR_RTSP_CACHE: '1G' }).rtsp.cacheBytes, 64 * 2 ** 20);
});

test('RTSP credentials and media folder: flags, then KADR_RTSP_* and KADR_MEDIA_DIR', () => {
  const env = { KADR_RTSP_USER: 'u', KADR_RTSP_PASSWORD: 'p', KADR_MEDIA_DIR: '/m' };
  assert.deepEqual(
    [loadConfig({}, env).rtsp.user, loadConfig({}, env).rtsp.password, loadConfig({}, env).rtsp.mediaDir],
    ['u', 'p', '/m'],
  );
  const c = loadConfig({ user: 'v', password: 'q', media: '/n' }, env).rtsp;
  assert.deepEqual([c.user, c.password, c.mediaDir], ['v', 'q', '/n']);
});

test('folders: KADR_CACHE_DIR / KADR_SPOOL_DIR, else the XDG folders, else under home', () => {
  const xdg = loadConfig({}, { XDG_CACHE_HOME: '/xc', XDG_STATE_HOME: '/xs' }).paths;
  assert.equal(xdg.indexCacheDir, path.join('/xc', 'kadr', 'frame-index'));
  assert.equal(xdg.spoolRoot, path.join('/xs', 'kadr', 'spool'));
  const set = loadConfig({}, { KADR_CACHE_DIR: '/c', KADR_SPOOL_DIR: '/s', XDG_STATE_HOME: '/xs' }).paths;
  assert.deepEqual([set.indexCacheDir, set.spoolRoot], [path.join('/c', 'frame-index'), '/s']);
  const home = loadConfig({}, {}).paths;
  assert.equal(home.spoolRoot, path.join(os.homedir(), '.local', 'state', 'kadr', 'spool'));
});

test('S3_* variables are passed on as set; others are not', () => {
  const s3 = loadConfig({}, { S3_ENDPOINT: 'http://h:9000', S3_BUCKET: 'b', HOME: '/h' }).s3;
  assert.equal(s3.S3_ENDPOINT, 'http://h:9000');
  assert.equal(s3.S3_BUCKET, 'b');
  assert.equal((s3 as Record<string, unknown>).HOME, undefined);
  assert.equal(loadConfig({}, { KADR_DEBUG: '1' }).debug, true);
  assert.equal(loadConfig({}, {}).debug, false);
});

test('KADR_SECRET_KEY: 32 bytes as hex or base64; anything else is refused without echoing it', () => {
  const key = Buffer.alloc(32, 7);
  assert.deepEqual(loadConfig({}, { KADR_SECRET_KEY: key.toString('hex') }).server.secretKey, key);
  assert.deepEqual(loadConfig({}, { KADR_SECRET_KEY: key.toString('base64') }).server.secretKey, key);
  assert.equal(loadConfig({}, {}).server.secretKey, undefined);
  for (const bad of ['tooshort', Buffer.alloc(16).toString('base64'), 'z'.repeat(64)]) {
    assert.throws(
      () => loadConfig({}, { KADR_SECRET_KEY: bad }).server,
      (e) =>
        isKadrError(e, 'KADR_ERR_CONFIG') &&
        e.message.includes('KADR_SECRET_KEY') &&
        !e.message.includes(bad),
    );
  }
});

test('the RTSP port: --rtsp-port, else KADR_RTSP_PORT, else 8554; KADR_TOKEN for client commands', () => {
  assert.equal(loadConfig({}, {}).rtsp.port, 8554);
  assert.equal(loadConfig({}, { KADR_RTSP_PORT: '9554' }).rtsp.port, 9554);
  assert.equal(loadConfig({ rtspPort: '7554' }, { KADR_RTSP_PORT: '9554' }).rtsp.port, 7554);
  assert.throws(() => loadConfig({}, { KADR_RTSP_PORT: 'x' }).rtsp.port, /KADR_RTSP_PORT/);
  assert.equal(loadConfig({}, { KADR_TOKEN: 'abc' }).client.token, 'abc');
  assert.equal(loadConfig({}, { KADR_TOKEN: '' }).client.token, undefined);
});

test('node: KADR_NODE_* with defaults 2 s / 8 s; a lease shorter than three heartbeats is refused', () => {
  assert.deepEqual(
    { ...loadConfig({}, {}).node },
    { id: undefined, url: undefined, heartbeatMs: 2000, leaseMs: 8000 },
  );
  const env = {
    KADR_NODE_ID: 'cam-node-1',
    KADR_NODE_URL: 'http://10.0.0.5:8080/',
    KADR_NODE_HEARTBEAT_MS: '1000',
    KADR_NODE_LEASE_MS: '4000',
  };
  assert.deepEqual(
    { ...loadConfig({}, env).node },
    { id: 'cam-node-1', url: 'http://10.0.0.5:8080', heartbeatMs: 1000, leaseMs: 4000 },
  );
  for (const bad of [
    { KADR_NODE_LEASE_MS: '5000' },
    { KADR_NODE_URL: 'http://host:8080/api' },
    { KADR_NODE_ID: 'two words' },
  ]) {
    assert.throws(
      () => loadConfig({}, bad).node,
      (e: unknown) => isKadrError(e, 'KADR_ERR_CONFIG') && e.message.includes(Object.keys(bad)[0]!),
    );
  }
});
