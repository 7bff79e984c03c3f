import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isKadrError } from '../core/errors.js';
import { parseStorageUrl, validateBucket, validateKey, validatePrefix } from './keys.js';

const isKeyError = (e: unknown) => isKadrError(e, 'KADR_ERR_STORAGE_KEY');

test('validateKey accepts ordinary and unusual-but-safe keys unchanged', () => {
  for (const key of [
    'a',
    'recordings/cam1/000001.mp4',
    'спутник/кадр 1.mp4',
    '..a',
    'a..',
    'a/...',
    '.hidden',
    'a+b=c&d?e#f',
    '%2e%2e/x',
    'x'.repeat(1024),
    'я'.repeat(512), // 1024 bytes in UTF-8
  ]) {
    assert.equal(validateKey(key), key);
  }
});

test('validateKey refuses traversal, absolute, empty, control characters and long keys', () => {
  for (const key of [
    '',
    '..',
    '../a',
    'a/../b',
    'a/..',
    '.',
    './a',
    'a/./b',
    '/a',
    '//a',
    'a//b',
    'a/',
    'a\\b',
    '..\\a',
    'a\u0000b',
    'a\nb',
    'a\rb',
    'a\tb',
    'a\u007fb',
    'x'.repeat(1025),
    'я'.repeat(513), // 1026 bytes
  ]) {
    assert.throws(() => validateKey(key), isKeyError, JSON.stringify(key));
  }
});

test('the error names the key and says what to use instead', () => {
  assert.throws(
    () => validateKey('../etc/passwd'),
    (e: unknown) =>
      isKeyError(e) &&
      /"\.\.\/etc\/passwd"/.test((e as Error).message) &&
      /relative keys/.test((e as { hint: string }).hint),
  );
});

test('validatePrefix allows the empty prefix and a trailing slash, nothing unsafe', () => {
  for (const p of ['', 'a', 'a/', 'a/b/', 'a/b-']) assert.equal(validatePrefix(p), p);
  for (const p of ['../', 'a/../', '/a', 'a//', 'a//b', './', 'a\\', 'a\u0000']) {
    assert.throws(() => validatePrefix(p), isKeyError, JSON.stringify(p));
  }
});

test('parseStorageUrl: s3:// URLs give bucket and prefix; anything else is not one', () => {
  assert.deepEqual(parseStorageUrl('s3://videos/rec/cam1/'), { bucket: 'videos', prefix: 'rec/cam1/' });
  assert.deepEqual(parseStorageUrl('s3://videos/rec/cam1/000001.mp4'), {
    bucket: 'videos',
    prefix: 'rec/cam1/000001.mp4',
  });
  assert.deepEqual(parseStorageUrl('s3://videos'), { bucket: 'videos', prefix: '' });
  assert.deepEqual(parseStorageUrl('s3://videos/'), { bucket: 'videos', prefix: '' });
  assert.deepEqual(parseStorageUrl('S3://my.bucket-1/x'), { bucket: 'my.bucket-1', prefix: 'x' });
  for (const notS3 of ['/data/rec', 'rec/cam1', './s3://x', 'http://host/bucket/key', 's3:/bucket/key', '']) {
    assert.equal(parseStorageUrl(notS3), null, notS3);
  }
});

test('parseStorageUrl refuses malformed s3:// URLs instead of treating them as paths', () => {
  for (const bad of ['s3://', 's3:///key', 's3://Bad_Bucket/x', 's3://ab/x', 's3://a..b/x', 's3://-b-/x']) {
    assert.throws(
      () => parseStorageUrl(bad),
      (e: unknown) => isKadrError(e, 'KADR_ERR_CONFIG'),
      bad,
    );
  }
  for (const bad of ['s3://videos/../x', 's3://videos//x', 's3://videos/a/./b']) {
    assert.throws(() => parseStorageUrl(bad), isKeyError, bad);
  }
});

test('validateBucket follows the S3 naming rules', () => {
  for (const ok of ['abc', 'kadr-recordings', 'a.b.c', 'x'.repeat(63)]) assert.equal(validateBucket(ok), ok);
  for (const bad of ['ab', 'x'.repeat(64), 'ABC', 'a_b', '-ab', 'ab-', 'a..b', '']) {
    assert.throws(
      () => validateBucket(bad),
      (e: unknown) => isKadrError(e, 'KADR_ERR_CONFIG'),
      bad,
    );
  }
});
