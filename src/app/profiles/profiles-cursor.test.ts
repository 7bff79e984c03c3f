import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isKadrError } from '../../core/errors.js';
import { decodeCursor, encodeCursor } from './profiles.service.js';

test('cursors round-trip and are opaque', () => {
  for (const seq of ['1', '9', '10', '123456789012345678']) {
    const c = encodeCursor(seq);
    assert.match(c, /^[A-Za-z0-9_-]+$/, 'URL-safe');
    assert.equal(decodeCursor(c), seq);
  }
});

test('a cursor this server did not give out is a validation error', () => {
  for (const bad of [
    'garbage',
    '',
    encodeCursor('-1'),
    Buffer.from('s1; DROP').toString('base64url'),
    'czEyMw!',
  ]) {
    assert.throws(
      () => decodeCursor(bad),
      (e: unknown) => isKadrError(e, 'KADR_ERR_VALIDATION'),
      bad,
    );
  }
});
