/**
 * A recorder killed with SIGKILL and started again: the first segment of the new run marks the gap
 * since the last frame the killed run received (read from what it left: its journal in the spool, or
 * the newest segment index in the store), and a run after a clean stop marks its gap too.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { collect, longVideo, record, spawnKadr, waitForStderr } from './helpers.js';
import { startRtspSource, type RtspSource } from './rtsp-source.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kadr-rec-crash-gap-'));
let source: RtspSource;

before(async () => {
  source = await startRtspSource({ v20: longVideo(20) });
});
after(async () => {
  await source?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('kill -9 of kadr record, then a restart: the new recording marks the gap since the last recorded frame', async () => {
  const to = path.join(tmp, 'out');
  const spool = path.join(tmp, 'spool');
  const child = spawnKadr([
    'record',
    source.url('v20'),
    '--to',
    to,
    '--segment',
    '2',
    '--spool',
    spool,
    '--verbose',
  ]);
  const exited = collect(child);
  await waitForStderr(child, 'segment stored');
  await sleep(1500);
  child.kill('SIGKILL');
  await exited;
  await sleep(1000);

  const restarted = await record([source.url('v20'), '--to', to, '--spool', spool, '--duration', '3']);
  const recovered = restarted.segments.find((s) => s.stored === 'spool');
  assert.ok(recovered, 'the segment the killed run had open is stored from the spool');
  assert.equal(recovered.endReason, 'crash');
  const lastMs = Math.max(
    ...(JSON.parse(readFileSync(recovered.index, 'utf8')) as { receivedAtMs: number[] }).receivedAtMs,
  );
  const live = restarted.segments.filter((s) => s.stored === 'live');
  assert.ok(live.length > 0);
  const gap = live[0]!.gapBefore;
  assert.ok(gap, 'the first segment of the new run marks a gap');
  // The index keeps wallclocks to the µs.
  assert.ok(
    Math.abs(gap.fromMs - lastMs) < 0.001,
    `from the last frame the killed run received (${gap.fromMs} vs ${lastMs})`,
  );
  assert.match(gap.reason, /died/);
  const firstMs = (JSON.parse(readFileSync(live[0]!.index, 'utf8')) as { receivedAtMs: number[] })
    .receivedAtMs[0]!;
  assert.ok(Math.abs(gap.toMs - firstMs) < 0.001, 'to the first frame of the new run');
  assert.ok(
    gap.durationMs >= 1000,
    `the gap covers the second between kill and restart (${gap.durationMs} ms)`,
  );
  for (const s of live.slice(1)) assert.equal(s.gapBefore, null, 'later segments follow on without a gap');

  // A clean stop and a new run: the gap since the newest stored segment is marked as well.
  await sleep(500);
  const again = await record([source.url('v20'), '--to', to, '--spool', spool, '--duration', '2']);
  const newestBefore = [...restarted.segments].sort((a, b) => (a.key < b.key ? -1 : 1)).at(-1)!;
  const before = Math.max(
    ...(JSON.parse(readFileSync(newestBefore.index, 'utf8')) as { receivedAtMs: number[] }).receivedAtMs,
  );
  const first = again.segments[0]!;
  assert.ok(first.gapBefore, 'a restart after a clean stop marks its gap too');
  assert.ok(Math.abs(first.gapBefore.fromMs - before) < 0.001);
  assert.equal(first.gapBefore.reason, 'recorder restarted');
});

test('kadr record removes the temp files a killed recorder left in its folder, and only stale ones', async () => {
  const to = path.join(tmp, 'sweep');
  const old = path.join(to, 'cam', '.2026-01-01T00-00-00.000Z.mp4.kadr-tmp-0123456789abcdef');
  const fresh = path.join(to, 'cam', '.2026-01-01T00-01-00.000Z.mp4.kadr-tmp-fedcba9876543210');
  mkdirSync(path.dirname(old), { recursive: true });
  writeFileSync(old, Buffer.alloc(4096));
  writeFileSync(fresh, Buffer.alloc(4096));
  // What a writer killed 11 minutes ago leaves: nobody has touched it since.
  const eleven = new Date(Date.now() - 11 * 60_000);
  utimesSync(old, eleven, eleven);
  await record([source.url('v20'), '--to', to, '--spool', path.join(tmp, 'sweep-spool'), '--duration', '1']);
  assert.equal(existsSync(old), false, 'the stale temp file is gone');
  assert.equal(existsSync(fresh), true, 'a temp file still being written (recent) is left alone');
});
