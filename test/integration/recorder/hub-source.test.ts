/**
 * Recording a live camera's stream hub: a real LiveCamera pulls gst-rtsp-server (a peer nobody here
 * wrote) once, the Recorder reads its hub (recorder/hub-source.ts) into a folder store and into S3
 * (Ceph radosgw). The source is killed mid-stream and comes back: the segment before ends at the loss,
 * the one after starts with the gap and the reason the camera's supervisor gave, and every stored
 * frame's PTS (ffprobe of the segment) is the source file's (ffprobe of the file), frame for frame.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  HUB_RECONNECT_MIN_MS,
  Recorder,
  hubRecorderSource,
  type RecordedSegment,
} from '../../../src/recorder/index.js';
import { FsObjectStore, locatePrefix } from '../../../src/storage/index.js';
import { LiveCamera, RtspCameraSource } from '../../../src/streams/index.js';
import { longVideo, probePts90k } from './helpers.js';
import { startRtspSource, type RtspSource } from './rtsp-source.js';

if (!process.env.KADR_TEST_S3) throw new Error('needs the S3 test service: run through scripts/run-tests.ts');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kadr-hub-rec-'));
let source: RtspSource;
let file: string;
let filePts: bigint[];

before(async () => {
  file = longVideo(6);
  filePts = await probePts90k(file);
  source = await startRtspSource({ v: file });
});
after(async () => {
  await source?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const stores = {
  folder: () => ({ store: new FsObjectStore(path.join(tmp, 'objects')), prefix: 'cam/' }),
  s3: () => locatePrefix(`s3://hub-${randomBytes(4).toString('hex')}/cam`),
  // No description of the connection: the track comes from the keyframes' in-band SPS/PPS.
  'folder, parameter sets in-band': () => ({
    store: new FsObjectStore(path.join(tmp, 'objects-in-band')),
    prefix: 'cam/',
  }),
};

for (const [kind, open] of Object.entries(stores)) {
  const described = !kind.includes('in-band');
  test(`a LiveCamera's hub recorded into ${kind}: exact PTS, and a reconnect marked as a gap`, async () => {
    const { store, prefix } = open();
    const camera = new LiveCamera(
      new RtspCameraSource(source.url('v'), { transport: 'tcp', path: 'auto', readTimeoutMs: 5000 }),
      { reconnectMinMs: 200, reconnectMaxMs: 1000 },
    );
    const segments: RecordedSegment[] = [];
    const stop = new AbortController();
    const recorder = new Recorder({
      url: 'hub',
      source: hubRecorderSource({
        name: 'test camera',
        open: () => camera.hub.subscribe(),
        ...(described ? { stream: () => camera.stream() } : {}),
      }),
      store,
      prefix,
      spoolDir: path.join(tmp, `spool-${kind}`),
      segmentDurationMs: 2000,
      reconnectMinMs: HUB_RECONNECT_MIN_MS,
      fsync: false,
      onSegment: (s) => segments.push(s),
    });
    const recording = recorder.run(stop.signal);
    // Subscribed before the camera connects: the recording starts at the file's first frame.
    while (camera.hub.subscribers === 0) await sleep(10);
    const cameraStop = new AbortController();
    const live = camera.run(cameraStop.signal);
    // The file plays in real time; at 3 s the server dies, at 4.5 s it is back (from the file's start).
    await sleep(3000);
    await source.kill();
    await sleep(1500);
    await source.restart();
    await live; // the second connection plays the file to its end and the camera stops
    await sleep(500);
    stop.abort();
    const result = await recording;
    assert.deepEqual(result.pending, []);
    const byConnection = [...segments].sort((a, b) => (a.key < b.key ? -1 : 1));
    const lostAt = byConnection.findIndex((s) => s.endReason === 'source-lost');
    assert.ok(
      lostAt >= 0,
      `a segment ends at the loss: ${JSON.stringify(byConnection.map((s) => s.endReason))}`,
    );
    const resumed = byConnection[lostAt + 1]!;
    assert.ok(resumed, 'recording resumed after the loss');
    assert.equal(resumed.startReason, 'connect');
    assert.ok(resumed.gapBefore, 'the first segment after the loss carries the gap');
    assert.match(resumed.gapBefore.reason, /\S/, 'with a reason');
    assert.ok(
      resumed.gapBefore.durationMs >= 1000,
      `gap ${resumed.gapBefore.durationMs} ms spans the outage`,
    );
    assert.ok(resumed.gapBefore.durationMs < 8000);
    assert.equal(byConnection.filter((s) => s.gapBefore).length, 1, 'one gap');

    // PTS: each connection's recorded frames are the file's, from its first frame on, in order.
    const connections = [byConnection.slice(0, lostAt + 1), byConnection.slice(lostAt + 1)];
    for (const [c, segs] of connections.entries()) {
      const pts: bigint[] = [];
      for (const s of segs) {
        const probed = await probePts90k(s.location);
        assert.equal(probed.length, s.frames, `${s.key}: ffprobe sees every indexed frame`);
        assert.equal(probed[0], s.firstPtsTicks, `${s.key}: first PTS as summarized`);
        assert.equal(probed.at(-1), s.lastPtsTicks);
        assert.ok(s.bytes > 0);
        pts.push(...probed);
      }
      const rel = pts.map((p) => p - pts[0]!);
      const fileRel = filePts.map((p) => p - filePts[0]!);
      assert.ok(rel.length >= 25, `connection ${c + 1} recorded ${rel.length} frames`);
      assert.ok(
        rel.every((p, i) => i === 0 || p > rel[i - 1]!),
        'presentation order across segments',
      );
      const known = new Set(fileRel);
      assert.ok(
        rel.every((p) => known.has(p)),
        `connection ${c + 1}: every PTS is one of the file's`,
      );
      // Up to the last frame recorded, every frame of the file is there, except B-frames whose
      // packets (sent after the last recorded one in decode order) died with the connection.
      const missing = fileRel.filter((p) => p <= rel.at(-1)! && !rel.includes(p));
      assert.ok(missing.length <= 2, `connection ${c + 1}: missing ${missing.join(', ')}`);
      assert.ok(
        missing.every((p) => p > rel.at(-1)! - 4n * 3600n),
        'only at the cut',
      );
    }
    assert.equal(
      connections[1]!.reduce((n, s) => n + s.frames, 0),
      filePts.length,
      'the second plays whole',
    );
    for (const segs of connections) {
      // Segments that start before the connection's first RTCP sender report has arrived (the
      // source sends one every few seconds; segments here are 2 s) carry receive times; from the
      // first segment with the source's wallclock on, every later one has it too.
      const first = segs.findIndex((s) => s.wallclockFrom === 'rtcp');
      assert.ok(first >= 0, 'sender reports reach the recording');
      for (const s of segs.slice(first)) assert.equal(s.wallclockFrom, 'rtcp', 'sender reports');
      for (const s of segs) assert.ok(s.lastWallclockMs > s.firstWallclockMs);
    }
    cameraStop.abort();
  });
}
