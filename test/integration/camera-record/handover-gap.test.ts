/**
 * The recording's hole when a camera moves to another node (docs/nodes.md "Timing"), without two
 * `kadr serve` processes: two RecordingManagers (the old owner, then the new one) record one real
 * LiveCamera (an RTSP server of ours playing an H.264 file) into one folder store and one real
 * PostgreSQL. The new owner starts with the handover reason, as CameraNodes hands it over; the hole
 * must be stored once, with that reason, never as the recorder's own `recorder restarted` /
 * `recorder died and was restarted` gap, also when the old owner's open journal (it was killed)
 * lies in the new owner's spool and is stored first. And a start that comes while the camera's
 * previous run is still stopping is not lost.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RecordingManager } from '../../../src/app/index.js';
import { silentLogger } from '../../../src/core/logger.js';
import { CameraRecordingsRepository, openDatabase, type Database } from '../../../src/db/index.js';
import type { RecordedSegment } from '../../../src/recorder/index.js';
import { readJournal } from '../../../src/recorder/spool.js';
import { FsObjectStore } from '../../../src/storage/index.js';
import { LiveCamera, RtspCameraSource } from '../../../src/streams/index.js';
import { createTestDatabase, type TestDatabase } from '../api/support/database.js';
import { longVideo } from '../recorder/helpers.js';
import { startRtspSource, type RtspSource } from '../recorder/rtsp-source.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kadr-handover-gap-'));
const store = new FsObjectStore(path.join(tmp, 'objects'));
const FOREVER = 8.64e15;
/**
 * Between the old owner's last frame and the new owner's start: more than a GOP (1 s), since the new
 * recording starts at the keyframe its hub keeps, so that there is a hole to list.
 */
const LEASE_RUNS_OUT_MS = 1500;
let tdb: TestDatabase;
let db: Database;
let repo: CameraRecordingsRepository;
let source: RtspSource;
let cameraId: string;
let camera: LiveCamera;
const running = new AbortController();
const managers: RecordingManager[] = [];

before(async () => {
  tdb = await createTestDatabase();
  db = await openDatabase({ databaseUrl: tdb.url, dataDir: '/nonexistent', log: silentLogger });
  repo = new CameraRecordingsRepository(db.pool);
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO cameras (name, url) VALUES ('cam1', 'rtsp://127.0.0.1/cam1') RETURNING id`,
  );
  cameraId = rows[0]!.id;
  source = await startRtspSource({ v: longVideo(30) });
  camera = new LiveCamera(
    new RtspCameraSource(source.url('v'), { transport: 'tcp', path: 'auto', readTimeoutMs: 5000 }),
    { reconnectMinMs: 200, reconnectMaxMs: 1000 },
  );
  void camera.run(running.signal);
});
after(async () => {
  for (const m of managers) await m.close();
  running.abort();
  await source?.stop();
  await db?.close();
  await tdb?.drop();
  rmSync(tmp, { recursive: true, force: true });
});

/** A node's recording of the camera, with the segments it wrote rows for. */
async function record(spool: string, gapReason?: string, segmentDurationMs = 1000) {
  const saved: RecordedSegment[] = [];
  const manager = new RecordingManager({
    repo,
    store,
    feeds: { subscribe: () => camera.hub.subscribe(), stream: () => camera.stream() },
    spoolDir: path.join(tmp, spool),
    segmentDurationMs,
    fsync: false,
    onSegment: (_id, _segmentId, segment) => saved.push(segment),
  });
  managers.push(manager);
  await manager.start(cameraId, gapReason);
  return { manager, saved };
}

async function until(ok: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const live = (saved: RecordedSegment[]) => saved.filter((s) => s.via === 'live');

test("a takeover stores one gap, with the handover reason, from the old owner's last segment to the new owner's first", async () => {
  const old = await record('node-b');
  await until(() => old.saved.length >= 2, 'two segments of the old owner');
  await old.manager.stop(cameraId);
  const lastEnd = (await repo.lastSegmentEnd(cameraId))!;
  await sleep(LEASE_RUNS_OUT_MS);
  // The recorder of the new owner finds the old owner's last segment in the store (an earlier run):
  // it marks the same hole as `recorder restarted`.
  const taker = await record('node-a', 'owner-lost');
  await until(() => taker.saved.length >= 2, 'two segments of the new owner');
  await taker.manager.stop(cameraId);
  const first = taker.saved[0]!;
  assert.equal(first.via, 'live');
  assert.ok(first.gapBefore, "the recorder saw the earlier run's last frame in the store");
  const gaps = await repo.gapsBetween(cameraId, lastEnd - 1, FOREVER);
  assert.deepEqual(
    gaps.map((g) => g.reason),
    ['owner-lost'],
    JSON.stringify(gaps),
  );
  assert.ok(Math.abs(gaps[0]!.fromMs - lastEnd) <= 1, "from the old owner's last segment");
  assert.ok(Math.abs(gaps[0]!.toMs - first.firstWallclockMs) <= 1, "to the new owner's first");
});

test("the old owner's open journal in the new owner's spool (kill -9): stored first, then the one handover gap", async () => {
  // 2 s segments of 1 s fragments: the open segment's journal holds a complete fragment after 1 s.
  const old = await record('node-b2', undefined, 2000);
  await until(() => old.saved.length >= 1, 'a segment of the old owner');
  const startedAt = old.saved[0]!.firstWallclockMs;
  const from = path.join(tmp, 'node-b2', cameraId);
  const newest = () =>
    readdirSync(from)
      .filter((n) => n.endsWith('.journal'))
      .sort()
      .at(-1) ?? 'none';
  const deadline = Date.now() + 10_000;
  while (!(await readJournal(path.join(from, newest())).catch(() => null))?.frames.length) {
    assert.ok(Date.now() < deadline, 'a fragment in the open journal');
    await sleep(50);
  }
  // The segment being written: copied as a kill -9 leaves it, under a process id that no longer runs
  // (the journal before its media file: the media holds at least what the journal names).
  const open = newest();
  const deadPid = spawnSync('true').pid!;
  const to = path.join(tmp, 'node-a2', cameraId);
  mkdirSync(to, { recursive: true });
  const copied = path.join(to, open.replace(/^\d+\./, `${deadPid}.`));
  for (const ext of ['.journal', '.fmp4']) {
    copyFileSync(path.join(from, open.replace(/\.journal$/, ext)), copied.replace(/\.journal$/, ext));
  }
  const openKey = (await readJournal(copied))!.header.key;
  // What the old owner stored from that segment on never happened: it was killed.
  await old.manager.stop(cameraId);
  for (const row of await repo.segmentsBetween(cameraId, startedAt, FOREVER)) {
    if (row.objectKey < openKey) continue;
    await store.delete(row.indexKey);
    await store.delete(row.objectKey);
    await repo.deleteSegment(row.id);
  }
  const lastStored = (await repo.lastSegmentEnd(cameraId))!;
  await sleep(LEASE_RUNS_OUT_MS);

  const taker = await record('node-a2', 'owner-lost');
  await until(() => live(taker.saved).length >= 2, 'two live segments of the new owner');
  await taker.manager.stop(cameraId);
  const recovered = taker.saved.filter((s) => s.via === 'spool');
  assert.equal(recovered.length, 1, 'the journal stored from the spool');
  assert.ok(recovered[0]!.firstWallclockMs >= lastStored - 100, 'it follows the last stored segment');
  const recoveredEnd = recovered[0]!.firstWallclockMs + recovered[0]!.durationMs;
  const first = live(taker.saved)[0]!;
  const gaps = await repo.gapsBetween(cameraId, lastStored, FOREVER);
  assert.deepEqual(
    gaps.map((g) => g.reason),
    ['owner-lost'],
    JSON.stringify(gaps),
  );
  assert.ok(Math.abs(gaps[0]!.fromMs - recoveredEnd) <= 1, 'from the end of the recovered segment');
  assert.ok(Math.abs(gaps[0]!.toMs - first.firstWallclockMs) <= 1, "to the new owner's first live one");
});

test('a start while the previous run still stores its last segment: the camera records on after it', async () => {
  // CameraNodes can hand a camera back (a lease renewal that was late got through after all) while
  // the stop of its recording, from the expiry timer, is still storing the last segment.
  const node = await record('node-c');
  await until(() => node.saved.length >= 1, 'a segment');
  const stopping = node.manager.stop(cameraId);
  await node.manager.start(cameraId, 'lease-resumed');
  await stopping;
  assert.ok(node.manager.isRecording(cameraId), 'recording again');
  const stored = node.saved.length;
  await until(() => node.saved.length > stored, 'a segment of the new run');
  await node.manager.stop(cameraId);
  assert.ok(!node.manager.isRecording(cameraId));
});
