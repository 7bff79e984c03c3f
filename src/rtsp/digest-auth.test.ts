import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DigestAuth, digestResponse, parseDigestHeader } from './digest-auth.js';

test('RFC 2617 §3.5 example response', () => {
  assert.equal(
    digestResponse({
      user: 'Mufasa',
      realm: 'testrealm@host.com',
      password: 'Circle Of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
    }),
    '6629fae49393a05397450978507c4ef1',
  );
});

test('parses quoted values containing commas and escapes', () => {
  const p = parseDigestHeader(
    'Digest username="a,b", realm="kadr", nonce="x.y", uri="rtsp://h/a b", response=0123',
  );
  assert.equal(p?.get('username'), 'a,b');
  assert.equal(p?.get('uri'), 'rtsp://h/a b');
  assert.equal(p?.get('response'), '0123');
  assert.equal(parseDigestHeader('Basic dXNlcjpwYXNz'), undefined);
});

function authorization(auth: DigestAuth, nonce: string, user: string, password: string, method = 'DESCRIBE') {
  const uri = 'rtsp://127.0.0.1:8554/cam';
  const response = digestResponse({ user, realm: auth.realm, password, method, uri, nonce });
  return `Digest username="${user}", realm="${auth.realm}", nonce="${nonce}", uri="${uri}", response="${response}"`;
}

test('accepts the right credentials, refuses wrong ones and nonces it did not issue', () => {
  const auth = new DigestAuth({ user: 'op', password: 's3cret' });
  const nonce = /nonce="([^"]+)"/.exec(auth.challenge())![1]!;
  assert.deepEqual(auth.verify(authorization(auth, nonce, 'op', 's3cret'), 'DESCRIBE'), {
    ok: true,
    user: 'op',
    nonceExpired: false,
  });
  assert.equal(auth.verify(authorization(auth, nonce, 'op', 'guess'), 'DESCRIBE').ok, false);
  assert.equal(auth.verify(authorization(auth, nonce, 'root', 's3cret'), 'DESCRIBE').ok, false);
  // a response computed for another method is refused
  assert.equal(auth.verify(authorization(auth, nonce, 'op', 's3cret', 'PLAY'), 'DESCRIBE').ok, false);
  const forged = `${nonce.split('.')[0]}.00000000000000000000000000000000`;
  assert.equal(auth.verify(authorization(auth, forged, 'op', 's3cret'), 'DESCRIBE').ok, false);
  const other = new DigestAuth({ user: 'op', password: 's3cret' });
  assert.equal(other.verify(authorization(auth, nonce, 'op', 's3cret'), 'DESCRIBE').ok, false);
  assert.equal(auth.verify(undefined, 'DESCRIBE').ok, false);
});

test('nonces expire: the verdict says so, so the server can answer stale=TRUE', () => {
  let now = 1_000_000;
  const auth = new DigestAuth({ user: 'op', password: 'pw' }, { nonceLifetimeMs: 1000, now: () => now });
  const nonce = auth.newNonce();
  now += 999;
  assert.deepEqual(auth.verify(authorization(auth, nonce, 'op', 'pw'), 'DESCRIBE'), {
    ok: true,
    user: 'op',
    nonceExpired: false,
  });
  now += 2;
  assert.deepEqual(auth.verify(authorization(auth, nonce, 'op', 'pw'), 'DESCRIBE'), {
    ok: true,
    user: 'op',
    nonceExpired: true,
  });
  assert.ok(auth.challenge(true).endsWith('stale=TRUE'));
});
