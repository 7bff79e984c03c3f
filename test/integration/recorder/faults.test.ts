/**
 * Faults (docs/recording.md), each as it would happen in production, with real peers:
 *  - the RTSP source is killed and started again mid-recording: the recording resumes, the gap is marked;
 *  - the recorder is killed with SIGKILL and started again: nothing older than ~2 s before the kill is
 *    lost, and no half-written object is left in the store;
 *  - the S3 server is stopped for 30 s mid-recording: nothing is lost when it returns.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { locatePrefix } from '../../../src/storage/index.js';
import { startRgw, stopRgw } from '../../harness/s3/rgw-control.js';
import { ffprobeFrames } from '../../fixtures/ffprobe.js';
import {
  collect,
  frameMd5s,
  longVideo,
  probePts90k,
  readJson,
  record,
  spawnKadr,
  waitForStderr,
} from './helpers.js';
import { startRtspSource, type RtspSource } from './rtsp-source.js';

if (!process.env.KADR_TEST_S3) throw new Error('needs the S3 test service: run through scripts/run-tests.ts');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kadr-rec-faults-'));
const bucket = `kadr-faults-${randomBytes(4).toString('hex')}`;
const FPS = 25;
const videos = { v12: longVideo(12), v20: longVideo(20), v60: longVideo(60), noB: longVideo(12, 0) };
let source: RtspSource;

before(async () => {
  source = await startRtspSource({
    v12: videos.v12,
    v20: videos.v20,
    v60: videos.v60,
    // 6 s in, the source's clock jumps back 4 s (gst-rtsp-server.py jump-at)
    jump: `${videos.noB},jump-at=6`,
    jumpB: `${videos.v12},jump-at=6`,
  });
});
after(async () => {
  await source?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

interface IndexJson {
  frames: number;
  ptsTicks: number[];
  receivedAtMs: number[];
  endReason: string;
}

test('the source is killed and restarted mid-recording: recording resumes, the gap is in the index', async () => {
  const out = path.join(tmp, 'source-kill');
  const child = spawnKadr([
    'record',
    source.url('v12'),
    '--to',
    out,
    '--segment',
    '2',
    '--spool',
    path.join(tmp, 'sp1'),
    '--json',
    '--verbose',
  ]);
  const done = collect(child);
  await waitForStderr(child, 'segment started');
  await sleep(3000);
  await source.kill();
  await sleep(2500);
  await source.restart();
  const r = await done;
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as {
    connections: number;
    segments: {
      key: string;
      frames: number;
      startReason: string;
      endReason: string;
      gapBefore: { durationMs: number; reason: string } | null;
    }[];
  };
  assert.ok(result.connections >= 2, `reconnected (${result.connections} connections)`);
  const gapAt = result.segments.findIndex((s) => s.gapBefore !== null);
  assert.ok(gapAt > 0, 'a segment after the restart carries the gap');
  const gap = result.segments[gapAt]!.gapBefore!;
  assert.ok(gap.durationMs >= 2000, `gap of ${gap.durationMs} ms covers the 2.5 s the source was down`);
  assert.ok(gap.reason.length > 0);
  assert.equal(result.segments[gapAt - 1]!.endReason, 'source-lost');
  assert.equal(result.segments[gapAt]!.startReason, 'connect');
  assert.equal(result.segments.at(-1)!.endReason, 'end-of-stream');
  const before = result.segments.slice(0, gapAt).reduce((n, s) => n + s.frames, 0);
  const afterGap = result.segments.slice(gapAt).reduce((n, s) => n + s.frames, 0);
  assert.ok(before >= 2 * FPS, `frames before the kill were kept (${before})`);
  assert.equal(afterGap, 12 * FPS, 'the whole file again after the restart');
  for (const s of result.segments)
    assert.equal(ffprobeFrames(s.key).frames.length, s.frames, `${s.key} plays`);
});

for (const [mount, what] of [
  ['jump', 'without B-frames'],
  ['jumpB', 'with B-frames (libavformat dts polluted after the jump)'],
] as const) {
  test(`a timestamp reset (the source clock jumps back 4 s), ${what}: a new segment, the old one intact`, async () => {
    const result = await record([
      source.url(mount),
      '--to',
      path.join(tmp, mount),
      '--spool',
      path.join(tmp, 'sp4'),
    ]);
    assert.deepEqual(
      result.segments.map((s) => [s.startReason, s.endReason, s.frames, s.firstPtsMs]),
      [
        ['connect', 'timestamp-reset', 6 * FPS, 0],
        ['timestamp-reset', 'end-of-stream', 6 * FPS, 2000],
      ],
    );
    const original = await frameMd5s(mount === 'jump' ? videos.noB : videos.v12);
    assert.deepEqual(
      await frameMd5s(result.segments[0]!.key),
      original.slice(0, 6 * FPS),
      'before the reset',
    );
    assert.deepEqual(await frameMd5s(result.segments[1]!.key), original.slice(6 * FPS), 'after it');
    const pts = await probePts90k(result.segments[1]!.key);
    assert.equal(pts[0], 180_000n, 'the new segment keeps the new timestamps (2 s)');
  });
}

test('the recorder is killed with SIGKILL and restarted: everything up to ~2 s before the kill is stored', async () => {
  const to = `s3://${bucket}/crash`;
  const spool = path.join(tmp, 'sp2');
  const { store, prefix } = locatePrefix(to);
  const child = spawnKadr([
    'record',
    source.url('v20'),
    '--to',
    to,
    '--segment',
    '60',
    '--spool',
    spool,
    '--verbose',
  ]);
  const exited = collect(child);
  await waitForStderr(child, 'segment started');
  await sleep(5000);
  const killedAtMs = Date.now();
  child.kill('SIGKILL');
  await exited;
  // The segment was still being written: nothing half-written may be visible in the store.
  const visible: string[] = [];
  for await (const o of store.list(prefix)) visible.push(o.key);
  assert.deepEqual(visible, [], 'no object from the killed recorder is visible');
  assert.equal(
    readdirSync(spool).filter((n) => n.endsWith('.journal')).length,
    1,
    'its journal is in the spool',
  );

  const result = await record([source.url('v20'), '--to', to, '--spool', spool, '--duration', '3']);
  const recovered = result.segments.find((s) => s.stored === 'spool');
  assert.ok(recovered, 'the restarted recorder stored the segment the killed one left');
  assert.equal(recovered.endReason, 'crash');
  const index = await readJson<IndexJson>(recovered.index);
  const lastReceived = Math.max(...index.receivedAtMs);
  assert.ok(
    lastReceived >= killedAtMs - 2000,
    `frames received up to ${killedAtMs - lastReceived} ms before the kill are stored (allowed 2000)`,
  );
  // What was stored is the source's first frames, exactly: same PTS intervals, same pictures.
  const pts = await probePts90k(recovered.key);
  assert.equal(pts.length, index.frames);
  const truth = ffprobeFrames(videos.v20).frames.slice(0, pts.length);
  const tb = ffprobeFrames(videos.v20).timeBase;
  for (let i = 2; i < pts.length; i++) {
    const want = ((truth[i]!.pts - truth[1]!.pts) * 90000n * BigInt(tb.num)) / BigInt(tb.den);
    assert.ok(Math.abs(Number(pts[i]! - pts[1]! - want)) <= 1, `frame ${i} pts`);
  }
  const md5 = await frameMd5s(recovered.key);
  assert.deepEqual(md5, (await frameMd5s(videos.v20)).slice(0, md5.length));
  // Every stored segment has its index and nothing else is there; the spool is empty again.
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  const expected = result.segments.flatMap((s) =>
    [s.key, s.index].map((l) => l.replace(`s3://${bucket}/`, '')),
  );
  assert.deepEqual(keys.sort(), expected.sort());
  assert.equal(existsSync(spool) ? readdirSync(spool).filter((n) => n.endsWith('.journal')).length : 0, 0);
});

test('the S3 server is stopped for 30 s mid-recording: nothing is lost when it returns', async () => {
  const to = `s3://${bucket}/outage`;
  const child = spawnKadr([
    'record',
    source.url('v60'),
    '--to',
    to,
    '--segment',
    '5',
    '--spool',
    path.join(tmp, 'sp3'),
    '--json',
  ]);
  const done = collect(child);
  await sleep(6000);
  await stopRgw();
  await sleep(30_000);
  await startRgw();
  const r = await done;
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as {
    pending: string[];
    segments: { key: string; frames: number; stored: string }[];
  };
  assert.deepEqual(result.pending, []);
  assert.ok(
    result.segments.some((s) => s.stored === 'spool'),
    'segments recorded during the outage came from the spool',
  );
  assert.equal(
    result.segments.reduce((n, s) => n + s.frames, 0),
    60 * FPS,
    'every frame of the 60 s source is stored',
  );
  for (const s of result.segments) {
    assert.equal((await probePts90k(s.key)).length, s.frames, `${s.key} is whole`);
  }
});
