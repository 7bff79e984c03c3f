/**
 * Which store from the environment: S3 when S3_ENDPOINT (or any S3_* variable) is set, else a
 * folder on disk. Secrets come only from the environment. Every error names the variable to set.
 * The variables are read by src/config (`loadConfig().s3`); the rules they must follow live here.
 */
import path from 'node:path';
import { loadConfig, type S3Environment } from '../config/index.js';
import { KadrError } from '../core/errors.js';
import { FsObjectStore } from './fs-store.js';
import { parseStorageUrl, validateBucket, validateKey } from './keys.js';
import type { ObjectStore } from './object-store.js';
import { S3ObjectStore, type S3StoreOptions, type S3Tuning } from './s3-store.js';

const S3_VARS = ['S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'S3_BUCKET'] as const;

/** The default folder when the caller gives none: ./data/objects. */
export const DEFAULT_STORAGE_DIR = 'data/objects';

function missing(name: string, why: string): KadrError {
  return new KadrError('KADR_ERR_CONFIG', `${name} is not set ${why}`, {
    hint: `set ${name}, or unset ${S3_VARS.filter((v) => v !== name).join(', ')} to store objects on disk`,
  });
}

/**
 * S3 connection settings from the environment; `bucket` overrides S3_BUCKET (an s3://bucket/...
 * URL given on the command line names its own bucket). Null when no S3 variable is set.
 */
export function s3OptionsFromEnv(
  env: S3Environment = loadConfig().s3,
  bucket?: string,
): S3StoreOptions | null {
  const set = (name: keyof S3Environment) => (env[name] ?? '').trim() !== '';
  if (!S3_VARS.some(set) && bucket === undefined) return null;
  const endpoint = (env.S3_ENDPOINT ?? '').trim();
  if (!endpoint)
    throw missing('S3_ENDPOINT', 'but other S3_* variables are (e.g. S3_ENDPOINT=http://127.0.0.1:9000)');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new KadrError('KADR_ERR_CONFIG', `S3_ENDPOINT ${JSON.stringify(endpoint)} is not a URL`, {
      hint: 'e.g. S3_ENDPOINT=http://127.0.0.1:9000',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KadrError('KADR_ERR_CONFIG', `S3_ENDPOINT ${endpoint} must start with http:// or https://`);
  }
  for (const name of ['S3_ACCESS_KEY', 'S3_SECRET_KEY'] as const) {
    if (!set(name)) throw missing(name, `while S3_ENDPOINT is (${endpoint})`);
  }
  const theBucket = bucket ?? (env.S3_BUCKET ?? '').trim();
  if (!theBucket) throw missing('S3_BUCKET', `while S3_ENDPOINT is (${endpoint})`);
  validateBucket(theBucket, bucket === undefined ? 'S3_BUCKET' : 'the s3:// URL');
  const pathStyle = (env.S3_FORCE_PATH_STYLE ?? 'true').trim().toLowerCase();
  if (!['true', 'false', '1', '0'].includes(pathStyle)) {
    throw new KadrError(
      'KADR_ERR_CONFIG',
      `S3_FORCE_PATH_STYLE must be true or false, not ${JSON.stringify(env.S3_FORCE_PATH_STYLE)}`,
    );
  }
  return {
    endpoint: endpoint.replace(/\/+$/, ''),
    bucket: theBucket,
    accessKeyId: env.S3_ACCESS_KEY!.trim(),
    secretAccessKey: env.S3_SECRET_KEY!.trim(),
    region: (env.S3_REGION ?? '').trim() || 'us-east-1',
    forcePathStyle: pathStyle === 'true' || pathStyle === '1',
  };
}

/** S3 when configured in `env`, else a folder (`defaults.dir`, or ./data/objects). */
export function objectStoreFromEnv(
  env: S3Environment = loadConfig().s3,
  defaults?: { dir: string },
): ObjectStore {
  const s3 = s3OptionsFromEnv(env);
  if (s3) return new S3ObjectStore(s3);
  return new FsObjectStore(path.resolve(defaults?.dir ?? DEFAULT_STORAGE_DIR));
}

/**
 * An object as users name it on the command line -> its store and key: 's3://bucket/key' (the
 * connection from env, the bucket from the URL) or a file path (a folder store rooted at the file's
 * folder). For `kadr frame s3://...` and `kadr compare`.
 */
export function locateObject(
  location: string,
  env: S3Environment = loadConfig().s3,
  tuning?: S3Tuning,
): { store: ObjectStore; key: string } {
  const s3 = parseStorageUrl(location);
  if (s3) {
    if (s3.prefix === '' || s3.prefix.endsWith('/')) {
      throw new KadrError('KADR_ERR_USAGE', `${location} names a folder, not an object`, {
        hint: 'give the whole key, e.g. s3://bucket/recordings/cam1/000001.mp4',
      });
    }
    return {
      store: new S3ObjectStore({ ...s3OptionsForUrl(location, s3.bucket, env), ...tuning }),
      key: validateKey(s3.prefix),
    };
  }
  const abs = path.resolve(location);
  return { store: new FsObjectStore(path.dirname(abs)), key: validateKey(path.basename(abs)) };
}

/**
 * A destination as users name it -> its store and the key prefix to write under:
 * 's3://bucket/prefix' or a folder (the store's root, prefix ''). For `kadr record --to ...`.
 * A non-empty prefix always ends in '/'.
 */
export function locatePrefix(
  location: string,
  env: S3Environment = loadConfig().s3,
  tuning?: S3Tuning,
): { store: ObjectStore; prefix: string } {
  const s3 = parseStorageUrl(location);
  if (s3) {
    const prefix = s3.prefix === '' || s3.prefix.endsWith('/') ? s3.prefix : `${s3.prefix}/`;
    return { store: new S3ObjectStore({ ...s3OptionsForUrl(location, s3.bucket, env), ...tuning }), prefix };
  }
  return { store: new FsObjectStore(path.resolve(location)), prefix: '' };
}

function s3OptionsForUrl(location: string, bucket: string, env: S3Environment): S3StoreOptions {
  if (!(env.S3_ENDPOINT ?? '').trim()) {
    throw new KadrError('KADR_ERR_CONFIG', `${location} is in S3 but S3_ENDPOINT is not set`, {
      hint: 'set S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY (S3_BUCKET is taken from the URL)',
    });
  }
  return s3OptionsFromEnv(env, bucket)!;
}
