import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isKadrError } from '../core/errors.js';
import { loadConfig, rtspCacheBytes } from './config.js';

test('defaults: loopback 8080, ./data, one video per core', () => {
  const c = loadConfig({});
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 8080);
  assert.equal(c.dataDir, path.resolve('data'));
  assert.equal(c.objectsDir, path.resolve('data', 'objects'));
  assert.equal(c.concurrency, os.availableParallelism());
  assert.equal(c.databaseUrl, undefined);
  assert.ok(Object.isFrozen(c));
});

test('flags override the environment, which overrides defaults', () => {
  const env = { KADR_PORT: '9000', KADR_DATA_DIR: '/srv/kadr', KADR_CONCURRENCY: '3' };
  assert.equal(loadConfig(env).port, 9000);
  const c = loadConfig(env, { port: '9100', data: '/tmp/k', concurrency: '1' });
  assert.deepEqual([c.port, c.dataDir, c.concurrency], [9100, '/tmp/k', 1]);
  assert.equal(c.analysisThreads, os.availableParallelism());
});

test('an invalid value is rejected with the key, the value and the rule', () => {
  assert.throws(
    () => loadConfig({ KADR_PORT: '70000' }),
    (e) =>
      isKadrError(e, 'KADR_ERR_CONFIG') &&
      /'KADR_PORT' must be an integer 0–65535, got '70000'/.test(e.message),
  );
  assert.throws(
    () => loadConfig({}, { port: 'abc' }),
    (e) => isKadrError(e) && e.message.includes("'--port'"),
  );
  assert.throws(
    () => loadConfig({ KADR_UPLOAD_MAX_BYTES: 'lots' }),
    (e) => isKadrError(e) && e.message.includes('KADR_UPLOAD_MAX_BYTES'),
  );
  assert.equal(loadConfig({ KADR_UPLOAD_MAX_BYTES: '2G' }).uploadMaxBytes, 2 * 1024 ** 3);
  assert.throws(
    () => loadConfig({ DATABASE_URL: 'mysql://x' }),
    (e) => isKadrError(e) && e.message.includes('DATABASE_URL'),
  );
});

test('listening beyond loopback needs KADR_API_TOKEN, and the message says so', () => {
  assert.throws(
    () => loadConfig({}, { host: '0.0.0.0' }),
    (e) => isKadrError(e, 'KADR_ERR_CONFIG') && /KADR_API_TOKEN/.test(e.hint ?? ''),
  );
  const c = loadConfig({ KADR_API_TOKEN: 'a-long-enough-secret' }, { host: '0.0.0.0' });
  assert.equal(c.apiToken, 'a-long-enough-secret');
  assert.equal(loadConfig({}, { host: '::1' }).host, '::1');
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
});
