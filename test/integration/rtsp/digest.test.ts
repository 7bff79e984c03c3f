/**
 * Digest authentication against hostile use: a captured Authorization header replayed on another
 * mount, an algorithm kadr does not implement, and password guessing, which is slowed down per address
 * while other addresses, and the right password from the same address (ffprobe), are served at once.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { digestResponse } from '../../../src/rtsp/digest-auth.js';
import { getFixture } from '../../fixtures/index.js';
import { checkFrames, ffprobeRtsp, type RunningServer, startServer } from '../../interop/rtsp/harness.js';
import { RawClient } from './raw-client.js';

const cam = getFixture('h264-mkv-offset');
const other = getFixture('h264-mp4-ms');
const credentials = { user: 'op', password: 's3cret' };
let server: RunningServer;

before(async () => {
  server = await startServer([cam.path, other.path], {
    auth: credentials,
    authThrottle: { freeFailures: 3, baseDelayMs: 100, maxDelayMs: 400 },
  });
});
after(() => server.close());

/** DESCRIBE without credentials; returns the nonce of the 401's challenge. */
async function challenge(c: RawClient, uri: string): Promise<string> {
  const r = await c.request('DESCRIBE', uri);
  assert.equal(r.status, 401);
  return /nonce="([^"]+)"/.exec(r.headers.get('www-authenticate')!)![1]!;
}

function authorization(nonce: string, method: string, uri: string, password: string, extra = ''): string {
  const response = digestResponse({ ...credentials, password, realm: 'kadr', method, uri, nonce });
  return `Digest username="op", realm="kadr", nonce="${nonce}", uri="${uri}", response="${response}"${extra}`;
}

test('a captured header opens its own mount only', async () => {
  const c = await RawClient.connect(server.port);
  const camUrl = server.url(cam.path);
  const nonce = await challenge(c, camUrl);
  const captured = authorization(nonce, 'DESCRIBE', camUrl, credentials.password);
  assert.equal((await c.request('DESCRIBE', camUrl, { Authorization: captured })).status, 200);
  const replayed = await c.request('DESCRIBE', server.url(other.path), { Authorization: captured });
  assert.equal(replayed.status, 401);
  assert.match(replayed.headers.get('www-authenticate')!, /^Digest realm="kadr", nonce="[^"]+"$/);
  c.close();
});

test('algorithm=MD5-sess is refused with a fresh challenge instead of being checked as MD5', async () => {
  const c = await RawClient.connect(server.port);
  const url = server.url(cam.path);
  const nonce = await challenge(c, url);
  // the response is plain MD5, which a server that ignores `algorithm` accepts
  const sess = authorization(nonce, 'DESCRIBE', url, credentials.password, ', algorithm=MD5-sess');
  const r = await c.request('DESCRIBE', url, { Authorization: sess });
  assert.equal(r.status, 401);
  const fresh = /nonce="([^"]+)"/.exec(r.headers.get('www-authenticate')!)![1]!;
  const md5 = authorization(fresh, 'DESCRIBE', url, credentials.password, ', algorithm=MD5');
  assert.equal((await c.request('DESCRIBE', url, { Authorization: md5 })).status, 200);
  c.close();
});

test('wrong passwords are answered slower and slower; other addresses and the right password are not', async () => {
  const url = server.url(cam.path);
  const guesser = await RawClient.connect(server.port);
  const nonce = await challenge(guesser, url);
  const t0 = performance.now();
  const guesses = (async () => {
    for (let i = 0; i < 12; i++) {
      const r = await guesser.request('DESCRIBE', url, {
        Authorization: authorization(nonce, 'DESCRIBE', url, `guess${i}`),
      });
      assert.equal(r.status, 401);
    }
    return performance.now() - t0;
  })();
  // while the guesser waits, a client from another address logs in without delay
  await new Promise((r) => setTimeout(r, 400));
  const neighbour = await RawClient.connect(server.port, '127.0.0.2');
  const n = await challenge(neighbour, url);
  const t1 = performance.now();
  const ok = await neighbour.request('DESCRIBE', url, {
    Authorization: authorization(n, 'DESCRIBE', url, credentials.password),
  });
  assert.equal(ok.status, 200);
  assert.ok(performance.now() - t1 < 300, `the neighbour waited ${performance.now() - t1} ms`);
  neighbour.close();
  // 3 free, then 100 + 200 + 400 x 7 ms
  const elapsedMs = await guesses;
  assert.ok(elapsedMs >= 3000, `12 wrong passwords answered in ${elapsedMs.toFixed(0)} ms`);
  assert.ok(server.server.stats.authFailures >= 12);
  guesser.close();
  // ffprobe from the guesser's address with the right password plays every frame
  const withCredentials = url.replace('rtsp://', `rtsp://${credentials.user}:${credentials.password}@`);
  assert.equal(checkFrames(cam, await ffprobeRtsp(withCredentials, 'tcp')), undefined);
});
