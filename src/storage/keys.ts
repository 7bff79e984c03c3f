/**
 * Object keys are checked once, here, for both stores: the fs store maps a key to a path under its
 * root, so anything that could climb out of it or mean two different files on disk and in S3 is
 * refused, whatever store is in use (a key that works on disk must work in S3 and back).
 */
import { KadrError } from '../core/errors.js';

const MAX_KEY_BYTES = 1024; // S3's own limit

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function reject(key: string, why: string): never {
  throw new KadrError('KADR_ERR_STORAGE_KEY', `invalid object key ${JSON.stringify(key)}: ${why}`, {
    hint: "use relative keys of '/'-separated names, e.g. recordings/cam1/000001.mp4",
  });
}

function checkCommon(key: string): void {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES)
    reject(key.slice(0, 64) + '...', `longer than ${MAX_KEY_BYTES} bytes`);
  if (CONTROL.test(key)) reject(key, 'contains a control character');
  if (key.includes('\\')) reject(key, 'contains a backslash');
  if (key.startsWith('/')) reject(key, 'absolute keys are not allowed');
}

/**
 * Returns `key` unchanged when it is safe, else throws KADR_ERR_STORAGE_KEY: empty, longer than
 * 1024 bytes, a leading '/', backslashes, NUL or control characters, and empty, '.' or '..'
 * segments (a trailing '/' is an empty segment: a folder is not an object).
 */
export function validateKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) reject(String(key), 'empty');
  checkCommon(key);
  for (const segment of key.split('/')) {
    if (segment === '') reject(key, "empty segment ('//' or a trailing '/')");
    if (segment === '.' || segment === '..') reject(key, `'${segment}' segments are not allowed`);
  }
  return key;
}

/** Like validateKey, for a listing prefix: '' and a trailing '/' are fine. */
export function validatePrefix(prefix: string): string {
  if (prefix === '') return prefix;
  checkCommon(prefix);
  const segments = prefix.split('/');
  segments.forEach((segment, i) => {
    if (segment === '' && i !== segments.length - 1) reject(prefix, "empty segment ('//')");
    if (segment === '.' || segment === '..') reject(prefix, `'${segment}' segments are not allowed`);
  });
  return prefix;
}

// Bucket names as S3 accepts them (3-63 of lowercase letters, digits, '.', '-'; letter/digit at
// both ends). MinIO and RGW accept the same set.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function validateBucket(bucket: string, source = 'bucket'): string {
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    throw new KadrError('KADR_ERR_CONFIG', `invalid S3 bucket name ${JSON.stringify(bucket)} in ${source}`, {
      hint: 'bucket names are 3-63 characters of lowercase letters, digits, dots and hyphens',
    });
  }
  return bucket;
}

/**
 * 's3://bucket/prefix' -> { bucket, prefix }; null when `url` is not an s3:// URL (a local path).
 * A malformed s3:// URL (bad bucket, '..' in the prefix) throws rather than being taken for a path.
 */
export function parseStorageUrl(url: string): { bucket: string; prefix: string } | null {
  if (!/^s3:\/\//i.test(url)) return null;
  const rest = url.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = slash === -1 ? '' : rest.slice(slash + 1);
  validateBucket(bucket, url);
  validatePrefix(prefix);
  return { bucket, prefix };
}
