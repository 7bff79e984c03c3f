/**
 * A source that is down for 10 s costs about 10 s of recording: the recorder notices the source's
 * return within a probe interval instead of at its next back-off step (0.5, 1, 2, 4, 8 s: with back-off
 * alone it reconnected 5.5 s after the source was back, 15.5 s after the loss). Real peers: `kadr
 * record` as a user runs it, GStreamer's gst-rtsp-server killed (SIGKILL) and started again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { collect, longVideo, type RecordJson, spawnKadr, waitForStderr } from './helpers.js';
import { startRtspSource, type RtspSource } from './rtsp-source.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kadr-rec-return-'));
const OUTAGE_MS = 10_000;
/** From the source answering again to the first frame recorded: a probe interval, connect, a frame. */
const RESUME_LIMIT_MS = 1500;
let source: RtspSource;

before(async () => {
  source = await startRtspSource({ v12: longVideo(12) });
});
after(async () => {
  await source?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('a 10 s outage of the source: recording resumes within about a second of its return', async (t) => {
  const child = spawnKadr([
    'record',
    source.url('v12'),
    '--to',
    path.join(tmp, 'out'),
    '--segment',
    '2',
    '--spool',
    path.join(tmp, 'spool'),
    '--json',
    '--verbose',
  ]);
  const done = collect(child);
  await waitForStderr(child, 'segment started');
  await sleep(2000);
  await source.kill();
  const downAt = Date.now();
  await sleep(OUTAGE_MS);
  await source.restart();
  const backAt = Date.now();
  const r = await done;
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as RecordJson;
  const gaps = result.segments.filter((s) => s.gapBefore !== null).map((s) => s.gapBefore!);
  assert.equal(gaps.length, 1, 'one gap, after the outage');
  const gap = gaps[0]!;
  const resumeMs = gap.toMs - backAt;
  t.diagnostic(
    `source down ${backAt - downAt} ms; gap in the recording ${gap.durationMs} ms; first frame ${resumeMs} ms after the source was back; ${result.connections} connections`,
  );
  assert.ok(gap.durationMs >= OUTAGE_MS - 500, `the gap (${gap.durationMs} ms) covers the outage`);
  assert.ok(resumeMs >= 0, 'nothing is recorded while the source is down');
  assert.ok(
    resumeMs <= RESUME_LIMIT_MS,
    `recording resumed ${resumeMs} ms after the source came back (limit ${RESUME_LIMIT_MS} ms)`,
  );
  assert.equal(result.segments.at(-1)!.endReason, 'end-of-stream');
});
