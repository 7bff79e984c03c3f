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

const uri = 'rtsp://127.0.0.1:8554/cam';

function authorization(
  auth: DigestAuth,
  nonce: string,
  user: string,
  password: string,
  method = 'DESCRIBE',
  digestUri = uri,
  extra = '',
) {
  const response = digestResponse({ user, realm: auth.realm, password, method, uri: digestUri, nonce });
  return `Digest username="${user}", realm="${auth.realm}", nonce="${nonce}", uri="${digestUri}", response="${response}"${extra}`;
}

test('accepts the right credentials, refuses wrong ones and nonces it did not issue', () => {
  const auth = new DigestAuth({ user: 'op', password: 's3cret' });
  const nonce = /nonce="([^"]+)"/.exec(auth.challenge())![1]!;
  assert.deepEqual(auth.verify(authorization(auth, nonce, 'op', 's3cret'), 'DESCRIBE', uri), {
    ok: true,
    user: 'op',
    nonceExpired: false,
  });
  assert.equal(auth.verify(authorization(auth, nonce, 'op', 'guess'), 'DESCRIBE', uri).ok, false);
  assert.equal(auth.verify(authorization(auth, nonce, 'root', 's3cret'), 'DESCRIBE', uri).ok, false);
  // a response computed for another method is refused
  assert.equal(auth.verify(authorization(auth, nonce, 'op', 's3cret', 'PLAY'), 'DESCRIBE', uri).ok, false);
  const forged = `${nonce.split('.')[0]}.00000000000000000000000000000000`;
  assert.equal(auth.verify(authorization(auth, forged, 'op', 's3cret'), 'DESCRIBE', uri).ok, false);
  const other = new DigestAuth({ user: 'op', password: 's3cret' });
  assert.equal(other.verify(authorization(auth, nonce, 'op', 's3cret'), 'DESCRIBE', uri).ok, false);
  assert.equal(auth.verify(undefined, 'DESCRIBE', uri).ok, false);
});

test('nonces expire: the verdict says so, so the server can answer stale=TRUE', () => {
  let now = 1_000_000;
  const auth = new DigestAuth({ user: 'op', password: 'pw' }, { nonceLifetimeMs: 1000, now: () => now });
  const nonce = auth.newNonce();
  now += 999;
  assert.deepEqual(auth.verify(authorization(auth, nonce, 'op', 'pw'), 'DESCRIBE', uri), {
    ok: true,
    user: 'op',
    nonceExpired: false,
  });
  now += 2;
  assert.deepEqual(auth.verify(authorization(auth, nonce, 'op', 'pw'), 'DESCRIBE', uri), {
    ok: true,
    user: 'op',
    nonceExpired: true,
  });
  assert.ok(auth.challenge(true).endsWith('stale=TRUE'));
});

test('the Digest uri must name the request: a captured header does not open another mount', () => {
  const auth = new DigestAuth({ user: 'op', password: 'pw' });
  const nonce = auth.newNonce();
  const header = authorization(auth, nonce, 'op', 'pw');
  assert.equal(auth.verify(header, 'DESCRIBE', uri).ok, true);
  assert.equal(auth.verify(header, 'DESCRIBE', `${uri}/`).ok, true, 'a trailing slash is the same resource');
  const other = auth.verify(header, 'DESCRIBE', 'rtsp://127.0.0.1:8554/other');
  assert.deepEqual(other, { ok: false, stale: false, reason: 'uri is not the request URI' });
  assert.equal(auth.verify(header, 'DESCRIBE', 'rtsp://127.0.0.1:8554/cam2').ok, false);
  // SETUP of a track answered with the aggregate URL (VLC) is the same mount; the reverse is not
  const setup = authorization(auth, nonce, 'op', 'pw', 'SETUP');
  assert.equal(auth.verify(setup, 'SETUP', `${uri}/track0`).ok, true);
  const trackHeader = authorization(auth, nonce, 'op', 'pw', 'SETUP', `${uri}/track0`);
  assert.equal(auth.verify(trackHeader, 'SETUP', `${uri}/track0`).ok, true);
  assert.equal(auth.verify(trackHeader, 'SETUP', `${uri}/track1`).ok, false);
  assert.equal(auth.verify(trackHeader, 'SETUP', uri).ok, false);
});

test('algorithms other than MD5 are refused, not verified as MD5', () => {
  const auth = new DigestAuth({ user: 'op', password: 'pw' });
  const nonce = auth.newNonce();
  assert.equal(
    auth.verify(authorization(auth, nonce, 'op', 'pw', 'DESCRIBE', uri, ', algorithm=MD5'), 'DESCRIBE', uri)
      .ok,
    true,
  );
  assert.equal(
    auth.verify(authorization(auth, nonce, 'op', 'pw', 'DESCRIBE', uri, ', algorithm="md5"'), 'DESCRIBE', uri)
      .ok,
    true,
  );
  for (const algorithm of ['MD5-sess', 'SHA-256', '']) {
    const verdict = auth.verify(
      authorization(auth, nonce, 'op', 'pw', 'DESCRIBE', uri, `, algorithm=${algorithm}`),
      'DESCRIBE',
      uri,
    );
    assert.equal(verdict.ok, false, algorithm);
    assert.match(verdict.ok ? '' : verdict.reason, /unsupported algorithm/);
  }
});
