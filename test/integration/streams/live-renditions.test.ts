/**
 * Live renditions and served files as live views, against real peers: the sources are files made by
 * Debian's ffmpeg (libx264 with B-frames, libx265), served in real time by kadr's RTSP folder server
 * and pulled back as a camera would be; what a rendition produces is muxed into an MP4 and read by
 * ffprobe, which says its codec, its size and every frame's pts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { AV_PKT_FLAG_KEY } from 'node-av/constants';
import { Packet } from 'node-av/lib';
import type { MediaUnit } from '../../../src/core/media-unit.js';
import { Fmp4Writer, type Fmp4TrackSpec } from '../../../src/media/index.js';
import { LiveCameras, LiveViews, ServedFiles, startFolderRtsp } from '../../../src/streams/index.js';
import type { LiveViewLease } from '../../../src/streams/index.js';
import { ffprobeFrames } from '../../fixtures/ffprobe.js';
import { sleepMs, until } from './live-peers.js';

/** Units a lease reads until it is closed (or its stream ends). */
function collect(lease: LiveViewLease): MediaUnit[] {
  const seen: MediaUnit[] = [];
  void (async () => {
    for await (const u of lease.subscription) seen.push(u);
  })();
  return seen;
}

type Item = { kind: 'gap' } | { kind: 'unit'; unit: MediaUnit };

/** Units and gap marks a lease reads until it is closed. */
function collectItems(lease: LiveViewLease): Item[] {
  const items: Item[] = [];
  void (async () => {
    for (;;) {
      const item = await lease.subscription.next();
      if (!item) return;
      items.push(item.kind === 'gap' ? { kind: 'gap' } : item);
    }
  })();
  return items;
}

/** The units after the first gap mark. */
function unitsAfterGap(items: Item[]): MediaUnit[] {
  const at = items.findIndex((i) => i.kind === 'gap');
  return items.slice(at + 1).flatMap((i) => (i.kind === 'unit' ? [i.unit] : []));
}

/** A test video by ffmpeg's lavfi test source: `seconds` at 25 frames/s, a keyframe every second. */
function makeVideo(file: string, size: string, codec: 'libx264' | 'libx265', seconds: number): void {
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25`, '-t', String(seconds)],
    ...['-c:v', codec, '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p'],
    ...(codec === 'libx264' ? ['-bf', '2'] : ['-x265-params', 'log-level=error:bframes=0']),
    file,
  ]);
}

/** The units muxed into an MP4 by kadr's fMP4 writer, read back by ffprobe. */
function probeUnits(dir: string, name: string, track: Fmp4TrackSpec, units: MediaUnit[]) {
  const file = path.join(dir, `${name}.mp4`);
  const fd = openSync(file, 'wx+');
  const writer = new Fmp4Writer(track, { fd, onPiece: () => {} });
  const packet = new Packet();
  try {
    for (const u of units) {
      packet.alloc();
      packet.data = u.data;
      packet.pts = u.pts;
      packet.dts = u.dts;
      if (u.key) packet.flags = AV_PKT_FLAG_KEY;
      writer.write(packet);
      packet.unref();
    }
    writer.close();
  } finally {
    packet.free();
    closeSync(fd);
  }
  return ffprobeFrames(file);
}

/**
 * The rendition's pts against the source's (presentation order): every rendered pts is a source
 * frame's, in order, and the source frames between the first and last rendered one that are missing
 * are no more than the rendition says it dropped for falling behind (none on an idle machine).
 */
function assertFrameForFrame(rendered: bigint[], source: bigint[], dropped: number): void {
  const sorted = [...source].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const from = sorted.indexOf(rendered[0]!);
  const to = sorted.indexOf(rendered.at(-1)!);
  assert.ok(from >= 0 && to >= from, 'the rendition starts and ends at source frames');
  const span = sorted.slice(from, to + 1);
  const set = new Set(span);
  for (const p of rendered) assert.ok(set.has(p), `rendered pts ${p} is a source frame's`);
  for (let i = 1; i < rendered.length; i++) assert.ok(rendered[i]! > rendered[i - 1]!, 'in order');
  const missing = span.length - rendered.length;
  assert.ok(missing <= dropped, `${missing} source frames missing, ${dropped} counted as dropped`);
}

test('a 480p rendition: 480 px high, the pts and wallclock of the source frame for frame; started by the first viewer, stopped after the linger', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kadr-rendition-'));
  makeVideo(path.join(dir, 'clip.mp4'), '1280x720', 'libx264', 12);
  const folder = await startFolderRtsp({ dir, host: '127.0.0.1', port: 0, loop: true });
  const cameras = new LiveCameras();
  const views = new LiveViews(cameras, { renditionLingerMs: 1500 });
  try {
    const id = 'cam-1';
    const url = `rtsp://127.0.0.1:${folder.port}/clip`;
    cameras.put({ id, name: 'yard', url, transport: 'tcp', onDemand: true });
    // Not connected yet: the height is unknown, every rung is offered, no encoder runs.
    assert.deepEqual(views.get('yard')?.qualities, ['original', '720p', '480p', '240p']);
    assert.equal(views.runningRenditions().length, 0);

    const original = views.acquire('yard', 'original', 'test');
    const source = collect(original);
    await until(() => cameras.health(id)?.height === 720, 'the camera to connect');
    assert.deepEqual(views.get('yard')?.qualities, ['original', '480p', '240p']);
    assert.equal(original.requestKeyframe, undefined);
    assert.throws(() => views.acquire('yard', '720p', 'test'), /no quality 720p/);

    const lease = views.acquire('yard', '480p', 'test');
    assert.deepEqual(
      views.runningRenditions().map((r) => r.quality),
      ['480p'],
    );
    const second = views.acquire('yard', '480p', 'test 2');
    assert.equal(views.runningRenditions().length, 1, 'one shared encoder for two viewers');
    second.close();
    const rendered = collect(lease);
    // A viewer's picture-loss request in the middle of a group of pictures: one extra keyframe.
    await until(() => rendered.length >= 10, 'the first pictures of the rendition', 30_000);
    assert.ok(lease.requestKeyframe, 'a rendition answers picture-loss requests');
    lease.requestKeyframe();
    await until(() => rendered.length >= 75, '75 pictures of the rendition', 30_000);
    const info = lease.stream();
    lease.close();
    const dropped = views.runningRenditions()[0]!.droppedUnits;
    const closedAt = performance.now();
    assert.equal(views.runningRenditions().length, 1, 'the encoder lingers');
    await until(() => views.runningRenditions().length === 0, 'the encoder to stop', 10_000);
    const lingered = performance.now() - closedAt;
    assert.ok(lingered >= 1400 && lingered < 4000, `stopped ${lingered.toFixed(0)} ms after the last viewer`);
    original.close();

    assert.ok(info?.track, 'the rendition has its own stream parameters');
    assert.equal(info.info.codec, 'h264');
    assert.equal(info.info.height, 480);
    assert.equal(info.info.width, 854);
    const probed = probeUnits(dir, 'r480', info.track, rendered);
    assert.equal(probed.codec, 'h264');
    assert.equal(probed.height, 480);
    assert.equal(probed.width, 854);
    assert.deepEqual(
      probed.frames.map((f) => f.pts),
      rendered.map((u) => u.pts),
      'ffprobe decodes every picture, at the pts kadr gave it',
    );
    // Frame for frame: the rendition's pts are a run of the source's in presentation order.
    const renderedPts = rendered.map((u) => u.pts);
    assertFrameForFrame(
      renderedPts,
      source.map((u) => u.pts),
      dropped,
    );
    const byPts = new Map(source.map((u) => [u.pts, u]));
    for (const u of rendered) {
      const from = byPts.get(u.pts)!;
      assert.equal(u.ntpMs, from.ntpMs);
      assert.deepEqual(u.timeBase, from.timeBase);
    }
    // Keyframes where the source has them, and one more for the request.
    const sourceKeys = new Set(source.filter((u) => u.key).map((u) => u.pts));
    const renderedKeys = rendered.filter((u) => u.key).map((u) => u.pts);
    assert.ok(rendered[0]!.key, 'the rendition starts at a keyframe');
    assert.equal(renderedKeys.filter((p) => !sourceKeys.has(p)).length, 1, 'one keyframe on request');
    for (const p of renderedPts)
      if (sourceKeys.has(p)) assert.ok(renderedKeys.includes(p), `keyframe at ${p}`);
    assert.deepEqual(
      probed.frames.map((f) => f.key),
      rendered.map((u) => u.key),
      'ffprobe sees the keyframes where kadr flagged them',
    );
  } finally {
    await views.close();
    await cameras.close();
    await folder.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('served files are live views (the camera wins a name); an H.265 file gets an "h264" quality that decodes as H.264 with the same pts', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kadr-rendition-'));
  makeVideo(path.join(dir, 'street.mp4'), '640x360', 'libx265', 8);
  makeVideo(path.join(dir, 'yard.mp4'), '320x240', 'libx264', 2);
  const folder = await startFolderRtsp({ dir, host: '127.0.0.1', port: 0, loop: true });
  const cameras = new LiveCameras();
  const files = new ServedFiles({
    mounts: () => folder.mounts,
    host: '127.0.0.1',
    port: folder.port,
    idleStopMs: 500,
  });
  const views = new LiveViews(cameras, { renditionLingerMs: 500, files });
  try {
    const url = `rtsp://127.0.0.1:${folder.port}/yard`;
    cameras.put({ id: 'cam-1', name: 'yard', url, transport: 'tcp', onDemand: true });
    assert.deepEqual(
      views.list().map((v) => [v.name, v.kind, v.cameraId]),
      [
        ['yard', 'camera', 'cam-1'],
        ['street', 'file', null],
      ],
    );
    const original = views.acquire('street', 'original', 'test');
    const source = collect(original);
    await until(() => source.length >= 25, 'a second of the served file', 20_000);
    assert.equal(original.stream()?.info.codec, 'hevc');
    assert.ok(source[0]!.key);
    assert.deepEqual(views.get('street')?.qualities, ['original', '240p', 'h264']);

    const lease = views.acquire('street', 'h264', 'test');
    const rendered = collect(lease);
    await until(() => rendered.length >= 50, '50 pictures of the h264 rendition', 30_000);
    const info = lease.stream();
    lease.close();
    const dropped = views.runningRenditions()[0]!.droppedUnits;
    original.close();
    assert.ok(info?.track);
    const probed = probeUnits(dir, 'h264', info.track, rendered);
    assert.equal(probed.codec, 'h264');
    assert.equal(probed.width, 640);
    assert.equal(probed.height, 360);
    const renderedPts = rendered.map((u) => u.pts);
    assert.deepEqual(
      probed.frames.map((f) => f.pts),
      renderedPts,
    );
    assertFrameForFrame(
      renderedPts,
      source.map((u) => u.pts),
      dropped,
    );
    await until(() => views.runningRenditions().length === 0, 'the encoder to stop', 10_000);
    await sleepMs(700);
    assert.equal(
      files.pulls.health('file:street')?.state,
      'idle',
      'nobody watches the file: its pull stopped',
    );
  } finally {
    await views.close();
    await files.close();
    await cameras.close();
    await folder.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a gap in the camera passes through a rendition: marked, then a keyframe of the new connection, same pts as the source', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kadr-rendition-'));
  makeVideo(path.join(dir, 'gate.mp4'), '320x240', 'libx264', 6);
  let folder = await startFolderRtsp({ dir, host: '127.0.0.1', port: 0, loop: true });
  const port = folder.port;
  const cameras = new LiveCameras({ reconnectMinMs: 200, reconnectMaxMs: 400 });
  const views = new LiveViews(cameras, { ladder: [120], renditionLingerMs: 0 });
  try {
    cameras.put({
      id: 'cam-1',
      name: 'gate',
      url: `rtsp://127.0.0.1:${port}/gate`,
      transport: 'tcp',
      onDemand: true,
    });
    const original = views.acquire('gate', 'original', 'test');
    const source = collectItems(original);
    const lease = views.acquire('gate', '120p', 'test');
    const items = collectItems(lease);
    await until(() => items.length >= 20, 'the rendition before the gap', 30_000);
    const before = lease.stream();
    await folder.close();
    await until(() => items.some((i) => i.kind === 'gap'), 'the gap mark in the rendition', 15_000);
    folder = await startFolderRtsp({ dir, host: '127.0.0.1', port, loop: true });
    const gapAt = items.findIndex((i) => i.kind === 'gap');
    await until(() => items.length >= gapAt + 21, 'the rendition after the gap', 30_000);
    lease.close();
    const dropped = views.runningRenditions()[0]?.droppedUnits ?? 0;
    original.close();
    assert.equal(items.filter((i) => i.kind === 'gap').length, 1, 'one gap mark');
    assert.equal(source.filter((i) => i.kind === 'gap').length, 1, 'the camera had one gap');
    const units = unitsAfterGap(items);
    assert.ok(units[0]!.key, 'the rendition resumes at a keyframe');
    assert.equal(lease.stream()?.info.height, 120);
    assert.equal(before?.info.height, 120);
    const probed = probeUnits(dir, 'after-gap', lease.stream()!.track!, units);
    assert.equal(probed.height, 120);
    assert.deepEqual(
      probed.frames.map((f) => f.pts),
      units.map((u) => u.pts),
    );
    // The new connection's timestamps start from a new base: compared with the source's after its gap.
    assertFrameForFrame(
      units.map((u) => u.pts),
      unitsAfterGap(source).map((u) => u.pts),
      dropped,
    );
  } finally {
    await views.close();
    await cameras.close();
    await folder.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
