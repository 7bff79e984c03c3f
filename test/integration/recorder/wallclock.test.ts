/**
 * The frame at a wallclock: `kadr record` from gst-rtsp-server (a peer nobody here wrote, sending RTCP
 * sender reports) into several segments, then `kadr frame <recording> --wallclock T` and the same
 * look-up in-process. For wallclocks at, between and just before frames, across segment boundaries, the
 * answer is the last frame whose stored wallclock is at or before T (worked out here from the raw index
 * JSON), and its PTS is ffprobe's for that frame of that segment.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import '../../../src/core/polyfill.js';
import { loadRecording } from '../../../src/cli/recordings.js';
import { locatePrefix } from '../../../src/storage/index.js';
import { frameAtWallclock } from '../../../src/timeline/index.js';
import { collect, longVideo, probePts90k, readJson, record, spawnKadr, type RecordJson } from './helpers.js';
import { startRtspSource, type RtspSource } from './rtsp-source.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kadr-rec-wall-'));
const dir = path.join(tmp, 'rec');
let source: RtspSource;
let result: RecordJson;

interface IndexJson {
  format: string;
  version: number;
  ptsTicks: number[];
  ntpMs: (number | null)[];
  receivedAtMs: number[];
}

interface Expected {
  key: string;
  index: number;
  ntp: number;
}

let segments: { key: string; index: IndexJson }[] = [];

before(async () => {
  source = await startRtspSource({ v: longVideo(12) });
  result = await record([source.url('v'), '--to', dir, '--spool', path.join(tmp, 'spool'), '--segment', '3']);
  segments = await Promise.all(
    result.segments.map(async (s) => ({ key: s.key, index: await readJson<IndexJson>(s.index) })),
  );
});
after(async () => {
  await source?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** The last frame, over every segment, whose wallclock is at or before `t` (brute force on the JSON). */
function expectedAt(t: number): Expected | null {
  let best: Expected | null = null;
  for (const { key, index } of segments) {
    index.ntpMs.forEach((ntp, i) => {
      if (ntp !== null && ntp <= t && (!best || ntp >= best.ntp)) best = { key, index: i, ntp };
    });
  }
  return best;
}

/** Wallclocks to ask for: at frames, half-way between them, just before them; first, middle, last of each segment. */
function queries(): number[] {
  const out: number[] = [];
  for (const { index } of segments) {
    const ntp = index.ntpMs;
    if (ntp[0] === null) continue;
    const n = ntp.length;
    for (const i of [0, 1, Math.floor(n / 2), n - 2, n - 1]) {
      const at = ntp[i]!;
      out.push(at, at - 0.001);
      if (i + 1 < n) out.push((at + ntp[i + 1]!) / 2);
    }
  }
  return out;
}

test('recorded with RTCP wallclock in the stored index, version 2, into several segments', () => {
  assert.ok(result.segments.length >= 3, `${result.segments.length} segments`);
  const withWallclock = segments.filter((s) => s.index.ntpMs.every((v) => v !== null));
  assert.ok(withWallclock.length >= 2, `${withWallclock.length} segments have the source's wallclock`);
  for (const { key, index } of segments) {
    assert.equal(index.format, 'kadr-frame-index');
    assert.equal(index.version, 2);
    index.ntpMs.forEach((ntp, i) => {
      if (ntp === null || i === 0) return;
      assert.ok(ntp > index.ntpMs[i - 1]!, `${key} frame ${i}: the wallclock increases with the pts`);
      assert.ok(Math.abs(ntp - index.receivedAtMs[i]!) < 3000, `${key} frame ${i}: near its receive time`);
    });
  }
});

test('in-process: the last frame at or before each wallclock, its PTS as ffprobe reads the segment', async () => {
  const recording = await loadRecording(dir);
  const probed = new Map<string, bigint[]>();
  let checked = 0;
  let crossed = 0;
  for (const t of queries()) {
    const want = expectedAt(t);
    if (!want) {
      assert.throws(() => frameAtWallclock(recording, t), { code: 'KADR_ERR_TIME_NOT_RECORDED' });
      continue;
    }
    const got = frameAtWallclock(recording, t);
    assert.deepEqual([got.segment, got.index, got.wallclockMs], [want.key, want.index, want.ntp], `at ${t}`);
    if (!probed.has(want.key)) probed.set(want.key, await probePts90k(want.key));
    assert.equal(got.ptsTicks, probed.get(want.key)![want.index], `at ${t}: ffprobe's pts`);
    assert.ok(got.wallclockMs <= t);
    const next = segments[segments.findIndex((s) => s.key === want.key) + 1];
    const nextStart = next?.index.ntpMs[0];
    if (nextStart !== null && nextStart !== undefined && nextStart > t && nextStart - t < 0.01) crossed++;
    checked++;
  }
  assert.ok(checked >= 20, `${checked} look-ups`);
  assert.ok(crossed >= 1, 'a wallclock just before a segment finds the one before it');
});

test('kadr frame --wallclock: JSON for an ISO time and for ms, a picture with --out, a clear refusal', async () => {
  const seg = segments.find((s) => s.index.ntpMs.every((v) => v !== null) && s.index.ntpMs.length > 10)!;
  const t = seg.index.ntpMs[10]! + 0.5;
  const want = expectedAt(t)!;
  const out = path.join(tmp, 'frame.png');
  const run = async (args: string[]) => {
    const r = await collect(spawnKadr(['frame', ...args, '--json']));
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { segment: string; index: number; ptsTicks: string; wallclockMs: number };
  };
  const byMs = await run([dir, '--wallclock', String(t), '--out', out]);
  assert.deepEqual([byMs.segment, byMs.index, byMs.wallclockMs], [want.key, want.index, want.ntp]);
  assert.equal(BigInt(byMs.ptsTicks), (await probePts90k(want.key))[want.index]);
  assert.ok(existsSync(out), 'the picture is written');
  // ISO 8601 (whole milliseconds), on the segment itself.
  const iso = new Date(Math.floor(t)).toISOString();
  const bySegment = await run([seg.key, '--wallclock', iso]);
  assert.equal(bySegment.index, expectedAt(Math.floor(t))!.index);

  const before = await collect(
    spawnKadr([
      'frame',
      dir,
      '--wallclock',
      new Date(Math.floor(segments[0]!.index.receivedAtMs[0]! - 60_000)).toISOString(),
    ]),
  );
  assert.equal(before.code, 2);
  assert.match(before.stderr, /nothing was recorded at .*recorded again from/);
});

test('the same recording in S3 (s3://bucket/prefix): the same answers', async () => {
  const to = `s3://kadr-wall-${randomBytes(4).toString('hex')}/cam1`;
  const { store, prefix } = locatePrefix(to);
  for (const name of readdirSync(dir))
    await store.put(`${prefix}${name}`, readFileSync(path.join(dir, name)));
  // An object deeper under the prefix is not a segment of this recording.
  await store.put(`${prefix}other/x.index.json`, Buffer.from('{}'));
  const [local, s3] = [await loadRecording(dir), await loadRecording(to)];
  assert.equal(s3.length, local.length);
  for (const t of queries().filter((_, i) => i % 5 === 0)) {
    const [a, b] = [frameAtWallclock(local, t), frameAtWallclock(s3, t)];
    assert.equal(b.segment, `${to}/${path.basename(a.segment)}`);
    assert.deepEqual([b.index, b.ptsTicks, b.wallclockMs], [a.index, a.ptsTicks, a.wallclockMs]);
  }
});
