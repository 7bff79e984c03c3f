import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { isKadrError } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import { CameraSecrets } from './camera-secrets.js';
import { splitSourceUrl, joinSourceUrl, redactedSourceUrl } from './camera-url.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kadr-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const creds = { user: 'cam-user', password: 'pä:ss@/word' };
const id = '0b8f6f6e-3f55-4c7e-9a1b-0f2d3c4b5a69';

function recordingLogger(lines: string[]): Logger {
  const log: Logger = {
    debug: (m) => void lines.push(m),
    info: (m) => void lines.push(m),
    warn: (m) => void lines.push(m),
    error: (m) => void lines.push(m),
    child: () => log,
  };
  return log;
}

test('sealed credentials open with the same key and camera, and hold neither value in clear', async () => {
  const secrets = new CameraSecrets({ key: randomBytes(32), keyFile: undefined, log: silentLogger });
  const sealed = await secrets.seal(id, creds);
  assert.ok(!sealed.includes(Buffer.from(creds.user)) && !sealed.includes(Buffer.from('word')));
  assert.deepEqual(await secrets.open(id, sealed), creds);
  // Two seals of the same value differ (a fresh IV each time).
  assert.notDeepEqual(await secrets.seal(id, creds), sealed);
});

test('another key, another camera id or a changed byte does not open, with a readable error', async () => {
  const secrets = new CameraSecrets({ key: randomBytes(32), keyFile: undefined, log: silentLogger });
  const sealed = await secrets.seal(id, creds);
  const other = new CameraSecrets({ key: randomBytes(32), keyFile: undefined, log: silentLogger });
  const wrongKey = (e: unknown) => isKadrError(e, 'KADR_ERR_CONFIG') && /KADR_SECRET_KEY/.test(e.hint ?? '');
  await assert.rejects(other.open(id, sealed), wrongKey);
  await assert.rejects(secrets.open('11111111-1111-4111-8111-111111111111', sealed), wrongKey);
  const flipped = Buffer.from(sealed);
  flipped[flipped.length - 1]! ^= 1;
  await assert.rejects(secrets.open(id, flipped), wrongKey);
});

test('no key and an external database: storing credentials is refused, naming KADR_SECRET_KEY', async () => {
  const secrets = new CameraSecrets({ key: undefined, keyFile: undefined, log: silentLogger });
  await assert.rejects(
    secrets.seal(id, creds),
    (e) => isKadrError(e, 'KADR_ERR_CONFIG') && /KADR_SECRET_KEY/.test(e.message + (e.hint ?? '')),
  );
});

test('no key and the embedded database: a 0600 key file is made once, said once, and reused', async () => {
  const keyFile = path.join(dir, 'secret.key');
  const lines: string[] = [];
  const first = new CameraSecrets({ key: undefined, keyFile, log: recordingLogger(lines) });
  const sealed = await first.seal(id, creds);
  await first.seal(id, creds);
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  assert.equal(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64').length, 32);
  assert.equal(lines.filter((l) => l.includes('created a key')).length, 1, lines.join('\n'));
  const second = new CameraSecrets({ key: undefined, keyFile, log: recordingLogger(lines) });
  assert.deepEqual(await second.open(id, sealed), creds);
  assert.equal(lines.filter((l) => l.includes('created a key')).length, 1);
});

test('a lost key file is not replaced to open old values: the error says it is missing', async () => {
  const keyFile = path.join(dir, 'lost.key');
  const sealed = await new CameraSecrets({ key: undefined, keyFile, log: silentLogger }).seal(id, creds);
  rmSync(keyFile);
  const later = new CameraSecrets({ key: undefined, keyFile, log: silentLogger });
  await assert.rejects(
    later.open(id, sealed),
    (e) => isKadrError(e, 'KADR_ERR_CONFIG') && /lost\.key is missing/.test(e.message),
  );
  assert.throws(() => statSync(keyFile), /ENOENT/);
});

test('a damaged key file is refused, not replaced', async () => {
  const keyFile = path.join(dir, 'bad.key');
  writeFileSync(keyFile, 'not a key\n', { mode: 0o600 });
  const secrets = new CameraSecrets({ key: undefined, keyFile, log: silentLogger });
  await assert.rejects(
    secrets.seal(id, creds),
    (e) => isKadrError(e, 'KADR_ERR_CONFIG') && /bad\.key/.test(e.message),
  );
  assert.equal(readFileSync(keyFile, 'utf8'), 'not a key\n');
});

test('source URLs: credentials split off and put back, only rtsp(s), secrets in the query masked', () => {
  const s = splitSourceUrl('rtsp://ad%40m:p%3Aw@192.0.2.1:554/live?channel=1&password=x');
  assert.deepEqual(s.credentials, { user: 'ad@m', password: 'p:w' });
  assert.equal(s.url, 'rtsp://192.0.2.1:554/live?channel=1&password=x');
  assert.equal(
    joinSourceUrl(s.url, s.credentials),
    'rtsp://ad%40m:p%3Aw@192.0.2.1:554/live?channel=1&password=x',
  );
  assert.equal(redactedSourceUrl(s.url), 'rtsp://192.0.2.1:554/live?channel=1&password=***');
  assert.equal(splitSourceUrl('rtsps://[::1]/a').credentials, undefined);
  for (const bad of [
    'http://192.0.2.1/x',
    'rtsp://',
    'not a url',
    'rtsp://h/x#frag',
    `rtsp://h/${'a'.repeat(2100)}`,
  ]) {
    assert.throws(
      () => splitSourceUrl(bad),
      (e) => isKadrError(e, 'KADR_ERR_VALIDATION'),
      bad,
    );
  }
  // The message never repeats a URL that may carry a password.
  assert.throws(
    () => splitSourceUrl('ftp://u:hunter2@h/x'),
    (e) => isKadrError(e) && !e.message.includes('hunter2'),
  );
});
