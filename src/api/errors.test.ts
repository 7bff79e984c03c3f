import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KadrErrorCode } from '../core/errors.js';
import { httpStatusOf } from './errors.js';

test('explicit codes map to their status', () => {
  assert.equal(httpStatusOf('KADR_ERR_NOT_FOUND'), 404);
  assert.equal(httpStatusOf('KADR_ERR_CONFLICT'), 409);
  assert.equal(httpStatusOf('KADR_ERR_UPLOAD_TOO_LARGE'), 413);
  assert.equal(httpStatusOf('KADR_ERR_UNAUTHORIZED'), 401);
  assert.equal(httpStatusOf('KADR_ERR_INTERNAL'), 500);
});

test('codes other modules add later fall back by their shape, never to 500 for bad input', () => {
  const later = (c: string) => httpStatusOf(c as KadrErrorCode);
  assert.equal(later('KADR_ERR_PROFILE_NOT_FOUND'), 404);
  assert.equal(later('KADR_ERR_INPUT_ENCRYPTED'), 422);
  assert.equal(later('KADR_ERR_TIME_OVERFLOW'), 400);
  assert.equal(later('KADR_ERR_PROFILE_VALIDATION'), 400);
  assert.equal(later('KADR_ERR_CAMERA_UNAVAILABLE'), 503);
  assert.equal(later('KADR_ERR_SOMETHING_ELSE'), 500);
});
