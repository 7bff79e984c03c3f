/**
 * `kadr align` on recordings in S3 (the real S3 server of the test harness): two recordings that
 * `kadr record` wrote straight into s3://bucket/prefix from one `kadr rtsp-serve` source, a second
 * apart, aligned by their s3:// names. The index beside each segment object gives the wallclock
 * method; the truth is the pictures' numbers and the receive times (truth.ts), as in
 * align-wallclock.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { record, type RecordJson } from '../recorder/helpers.js';
import { startKadrRtspServe, type RtspSource } from '../recorder/rtsp-source.js';
import { FRAME_MS, numberedVideo, numbers, sourceStart } from './truth.js';

const root = path.resolve(import.meta.dirname, '../../..');
const work = mkdtempSync(path.join(tmpdir(), 'kadr-align-s3-'));
const bucket = `s3://kadr-align-${randomBytes(4).toString('hex')}`;
let source: RtspSource;
let recordings: RecordJson[] = [];
let result: {
  common: { method: string; wallclockMs: number };
  offsets: { file: string; offsetMs: number; method: string; frameIntervalMs: number }[];
  outputs: { copies: { out: string }[] };
};

before(async () => {
  source = await startKadrRtspServe([numberedVideo(path.join(work, 'numbered.mp4'), 10)]);
  recordings = await Promise.all(
    [0, 1].map(async (i) => {
      await new Promise((r) => setTimeout(r, i * 1000));
      return record([source.url('numbered'), '--to', `${bucket}/cam${i}`, '--duration', '5']);
    }),
  );
  const keys = recordings.map((r) => r.segments[0]!.key);
  assert.ok(
    keys.every((k) => k.startsWith('s3://')),
    keys.join(' '),
  );
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(root, 'src/cli/bin.ts'),
      'align',
      ...keys,
      '--out-dir',
      path.join(work, 'out'),
      '--json',
    ],
    { encoding: 'utf8', env: { ...process.env, KADR_CACHE_DIR: path.join(work, 'cache') } },
  );
  assert.equal(r.status, 0, r.stderr);
  result = JSON.parse(r.stdout) as typeof result;
});
after(async () => {
  await source?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('s3:// recordings: wallclock method, offsets within a frame interval, copies start together', async () => {
  assert.equal(result.common.method, 'wallclock');
  const common = result.common.wallclockMs;
  for (const [i, o] of result.offsets.entries()) {
    const key = recordings[i]!.segments[0]!.key;
    assert.equal(o.file, key);
    const { w0, first } = await sourceStart(key);
    const truth = common - (w0 + first * FRAME_MS);
    assert.ok(Math.abs(o.offsetMs - truth) <= o.frameIntervalMs, `cam${i}: ${o.offsetMs} vs ${truth} ms`);
    const shown = (await numbers(result.outputs.copies[i]!.out))[0]!;
    const due = (common - w0) / FRAME_MS;
    assert.ok(Math.abs(shown - due) <= 1, `cam${i} copy: frame ${shown} where ${due.toFixed(2)} was due`);
  }
});
