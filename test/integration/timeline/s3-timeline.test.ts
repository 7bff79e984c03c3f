/**
 * `kadr frame` and `kadr compare` read videos straight from object storage (s3://bucket/key, S3_* from
 * the environment) on a real S3 server (Ceph radosgw started by the test driver): nothing is downloaded
 * first; FFmpeg reads the object through a presigned URL with ranged requests.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { S3ObjectStore, s3OptionsFromEnv } from '../../../src/storage/index.js';
import { truthIndexAt } from '../../fixtures/ffprobe.js';
import { getFixture } from '../../fixtures/index.js';

const root = path.resolve(import.meta.dirname, '../../..');
const work = mkdtempSync(path.join(tmpdir(), 'kadr-s3-timeline-'));

function kadr(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/bin.ts'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, KADR_CACHE_DIR: path.join(work, 'cache') },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe(
  'timeline commands on s3:// objects',
  { skip: !process.env.KADR_TEST_S3 && 'needs the S3 test service' },
  () => {
    const fixture = getFixture('h264-mkv-offset');
    let store: S3ObjectStore;
    let url: string;
    before(async () => {
      const options = s3OptionsFromEnv(process.env)!;
      store = new S3ObjectStore(options);
      const key = `timeline-test/${path.basename(fixture.path)}`;
      await store.put(key, createReadStream(fixture.path));
      url = `s3://${options.bucket}/${key}`;
    });
    after(() => {
      store?.destroy();
      rmSync(work, { recursive: true, force: true });
    });

    test('kadr frame s3://... gives the frame ffprobe shows at t, twice (the index is cached by ETag)', () => {
      for (const [t, source] of [
        [1234, 'built'],
        [2000, 'disk'],
      ] as const) {
        const r = kadr('frame', url, '--at', String(t), '--out', path.join(work, `f${t}.png`), '--json');
        assert.equal(r.code, 0, r.stderr);
        const json = JSON.parse(r.stdout) as {
          index: number;
          ptsTicks: string;
          indexSource: string;
          file: string;
        };
        assert.equal(json.index, truthIndexAt(fixture, t));
        assert.equal(json.ptsTicks, String(fixture.frames[json.index]!.pts));
        assert.equal(json.indexSource, source);
        assert.equal(json.file, url);
      }
    });

    test('kadr compare original s3://copy: identical pictures, same index and PTS', () => {
      const r = kadr(
        'compare',
        fixture.path,
        url,
        '--at',
        '1500',
        '--out',
        path.join(work, 'cmp.png'),
        '--json',
      );
      assert.equal(r.code, 0, r.stderr);
      const json = JSON.parse(r.stdout) as {
        identical: boolean;
        original: { index: number; ptsTicks: string };
        recording: { index: number; ptsTicks: string; file: string };
      };
      assert.equal(json.identical, true);
      assert.equal(json.recording.index, json.original.index);
      assert.equal(json.recording.ptsTicks, json.original.ptsTicks);
      assert.equal(json.recording.file, url);
    });

    test('a missing object is one clear line', () => {
      const r = kadr('frame', `${url}.missing`, '--at', '0', '--out', path.join(work, 'x.png'));
      assert.equal(r.code, 2);
      assert.match(r.stderr, /no object at s3:\/\//);
    });
  },
);
