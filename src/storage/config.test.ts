import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { isKadrError } from '../core/errors.js';
import { locateObject, locatePrefix, objectStoreFromEnv, s3OptionsFromEnv } from './config.js';

const full = {
  S3_ENDPOINT: 'http://127.0.0.1:9000/',
  S3_ACCESS_KEY: 'ak',
  S3_SECRET_KEY: 'sk',
  S3_BUCKET: 'videos',
};

function configError(variable: string) {
  return (e: unknown) => {
    assert.ok(isKadrError(e, 'KADR_ERR_CONFIG'), String(e));
    assert.ok(e.message.includes(variable), e.message);
    return true;
  };
}

test('no S3 variables: a folder store, default ./data/objects or the given dir', () => {
  assert.equal(s3OptionsFromEnv({}), null);
  const store = objectStoreFromEnv({});
  assert.equal(store.kind, 'fs');
  assert.equal(store.describe('k'), path.resolve('data/objects/k'));
  assert.equal(
    objectStoreFromEnv({ S3_REGION: 'eu-west-1' }, { dir: '/srv/kadr' }).describe('k'),
    '/srv/kadr/k',
  );
});

test('all four S3 variables: an S3 store, path-style, region us-east-1 by default', () => {
  assert.deepEqual(s3OptionsFromEnv(full), {
    endpoint: 'http://127.0.0.1:9000',
    bucket: 'videos',
    accessKeyId: 'ak',
    secretAccessKey: 'sk',
    region: 'us-east-1',
    forcePathStyle: true,
  });
  const store = objectStoreFromEnv(full);
  assert.equal(store.kind, 's3');
  assert.equal(store.describe('a/b.mp4'), 's3://videos/a/b.mp4');
  const o = s3OptionsFromEnv({ ...full, S3_REGION: 'eu-central-1', S3_FORCE_PATH_STYLE: 'false' });
  assert.equal(o?.region, 'eu-central-1');
  assert.equal(o?.forcePathStyle, false);
});

test('a partial S3 configuration names the missing variable', () => {
  for (const name of ['S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'S3_BUCKET'] as const) {
    const env: Record<string, string> = { ...full };
    delete env[name];
    assert.throws(() => objectStoreFromEnv(env), configError(name));
    assert.throws(() => objectStoreFromEnv({ ...env, [name]: '  ' }), configError(name));
  }
});

test('bad values are refused with the variable named', () => {
  assert.throws(
    () => s3OptionsFromEnv({ ...full, S3_ENDPOINT: 'localhost:9000' }),
    configError('S3_ENDPOINT'),
  );
  assert.throws(() => s3OptionsFromEnv({ ...full, S3_ENDPOINT: 'not a url' }), configError('S3_ENDPOINT'));
  assert.throws(() => s3OptionsFromEnv({ ...full, S3_BUCKET: 'Bad_Bucket' }), configError('S3_BUCKET'));
  assert.throws(
    () => s3OptionsFromEnv({ ...full, S3_FORCE_PATH_STYLE: 'maybe' }),
    configError('S3_FORCE_PATH_STYLE'),
  );
});

test('locateObject: s3:// takes the bucket from the URL, a path splits into folder and file', () => {
  const env = { ...full, S3_BUCKET: '' };
  const s3 = locateObject('s3://other-bucket/rec/cam1/000001.mp4', env);
  assert.equal(s3.key, 'rec/cam1/000001.mp4');
  assert.equal(s3.store.describe(s3.key), 's3://other-bucket/rec/cam1/000001.mp4');
  const fsObj = locateObject('/srv/videos/a.mp4', {});
  assert.equal(fsObj.store.kind, 'fs');
  assert.equal(fsObj.store.describe(fsObj.key), '/srv/videos/a.mp4');
  assert.throws(
    () => locateObject('s3://videos/rec/', env),
    (e: unknown) => isKadrError(e, 'KADR_ERR_USAGE'),
  );
  assert.throws(() => locateObject('s3://videos/a.mp4', {}), configError('S3_ENDPOINT'));
});

test('locatePrefix: a folder is the root; an s3:// prefix always ends in /', () => {
  assert.equal(locatePrefix('s3://videos/rec/cam1', full).prefix, 'rec/cam1/');
  assert.equal(locatePrefix('s3://videos/rec/cam1/', full).prefix, 'rec/cam1/');
  assert.equal(locatePrefix('s3://videos', full).prefix, '');
  const dir = locatePrefix('/srv/rec', {});
  assert.equal(dir.prefix, '');
  assert.equal(dir.store.describe('x.mp4'), '/srv/rec/x.mp4');
});
