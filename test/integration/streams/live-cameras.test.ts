/**
 * LiveCameras against real peers: a live camera nobody here wrote (gst-rtsp-server encoding a live
 * videotestsrc, with RTCP sender reports from its pipeline clock), kadr's RTSP server restreaming it,
 * and real viewers (GStreamer rtspsrc over TCP and UDP, ffprobe -show_frames, kadr's own RTSP client
 * for the wallclock of the sender reports).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { test } from 'node:test';
import type { Logger } from '../../../src/core/logger.js';
import type { MediaUnit } from '../../../src/core/media-unit.js';
import { LiveCameras, RtspCameraSource } from '../../../src/streams/index.js';
import type { HubSubscription } from '../../../src/streams/index.js';
import { freePort } from '../recorder/rtsp-source.js';
import { firstNalType, RawClient, throttle } from '../rtsp/raw-client.js';
import {
  ffprobeLive,
  gstViewer,
  parsePrometheusText,
  sleepMs,
  startGstViewer,
  startKadrLive,
  startLiveSource,
  until,
} from './live-peers.js';

interface Seen {
  rtp: number;
  ntpMs: number | null;
  key: boolean;
  receivedAtMs: number;
}

/** Collects what a subscription reads until it is closed or ends. */
function collect(sub: HubSubscription<MediaUnit>): Seen[] {
  const seen: Seen[] = [];
  void (async () => {
    for await (const u of sub)
      seen.push({ rtp: u.rtpTimestamp!, ntpMs: u.ntpMs, key: u.key, receivedAtMs: u.receivedAtMs });
  })();
  return seen;
}

/**
 * The share of the units `seen` gets over the next `ms` that arrived less than 10 ms after the one
 * before: bunched, where a 25 fps camera sends one every 40 ms.
 */
async function bunchedShare(seen: Seen[], ms: number): Promise<number> {
  const from = seen.length;
  await sleepMs(ms);
  const at = seen.slice(from).map((s) => s.receivedAtMs);
  const bunched = at.slice(1).filter((t, i) => t - at[i]! < 10).length;
  return bunched / Math.max(1, at.length - 1);
}

/** `part` appears in `whole` as one unbroken run. */
function contiguousIn(part: number[], whole: number[]): boolean {
  const at = whole.indexOf(part[0]!);
  return at >= 0 && part.every((v, i) => whole[at + i] === v);
}

test('one upstream, three viewers at once (TCP, UDP, ffprobe), timestamps and wallclock passed through, metrics', async () => {
  const camera = await startLiveSource({ cam: 'h264' });
  const cameras = new LiveCameras({ reconnectMinMs: 200, reconnectMaxMs: 1000 });
  const kadr = await startKadrLive(cameras);
  try {
    const id = randomUUID();
    const name = 'front door';
    cameras.put({ id, name, url: camera.url('cam'), transport: 'tcp', onDemand: false });
    // An on-demand camera nobody watches: idle, never connected; its name tests the label escaping.
    const odd = {
      id: randomUUID(),
      name: 'lobby "east"\\2\nb',
      url: camera.url('cam'),
      transport: 'tcp' as const,
      onDemand: true,
    };
    cameras.put(odd);
    assert.equal(cameras.health(odd.id)!.state, 'idle');
    await until(() => cameras.health(id)!.state === 'live', 'the camera to be live');
    const truth = collect(cameras.acquire(id, 'test'));
    await sleepMs(500);

    const [tcp, udp, probe, pull] = await Promise.all([
      gstViewer(kadr.url(name), 'tcp', 'h264', 7),
      gstViewer(kadr.url(name), 'udp', 'h264', 7),
      ffprobeLive(kadr.url(name), 'tcp', 75),
      pullThroughKadr(kadr.url(name), 6000),
    ]);
    const cameraTs = truth.map((s) => s.rtp);
    for (const [label, v] of [
      ['gst tcp', tcp],
      ['gst udp', udp],
    ] as const) {
      assert.equal(v.error, null, `${label}: no error`);
      assert.ok(v.timestamps.length >= 75, `${label}: ${v.timestamps.length} frames in 7 s`);
      assert.ok(
        contiguousIn(v.timestamps, cameraTs),
        `${label}: the RTP timestamps it sees are the camera's, in order, none missing`,
      );
    }
    assert.equal(probe.code, 0);
    assert.equal(probe.pts.length, 75, 'ffprobe decodes 75 frames');
    assert.ok(probe.key[0], 'ffprobe starts at a keyframe');
    // libavformat gives the first frame of an RTSP stream no PTS before the first sender report.
    const pts = probe.pts.slice(1);
    assert.ok(
      pts.every((p) => Number.isFinite(p)),
      'every frame after the first has a PTS',
    );
    const deltas = pts.slice(1).map((p, i) => p - pts[i]!);
    const at = cameraTs.length;
    const cameraDeltas = cameraTs.slice(1, at).map((t, i) => (t - cameraTs[i]! + 2 ** 32) % 2 ** 32);
    assert.ok(
      cameraDeltas.join(',').includes(deltas.join(',')),
      'ffprobe PTS steps are the camera timestamp steps',
    );
    // The wallclock of each frame from kadr's sender reports is the camera's (RTCP from gst).
    const byRtp = new Map(truth.map((s) => [s.rtp, s.ntpMs]));
    assert.ok(pull.length >= 100, `kadr's client got ${pull.length} frames`);
    assert.ok(
      pull.every((u) => byRtp.has(u.rtp)),
      "kadr's client sees the camera's timestamps too",
    );
    // Before the camera's first report the restream's reports carry receive times; from it on, its clock.
    const timed = pull.filter((u) => byRtp.get(u.rtp) !== null);
    assert.ok(timed.length >= 50, `${timed.length} frames the camera's reports put on its wallclock`);
    // kadr's client keeps its anchor while a report agrees with it within 1 ms (src/rtp/rtcp-wallclock.ts):
    // when the restream's first reports (receive times, read as they arrive) were already that close to
    // the camera's clock, the frames stay on them, less than 1 ms away.
    for (const u of timed) {
      const expected = byRtp.get(u.rtp)!;
      assert.ok(
        u.ntpMs !== null && Math.abs(u.ntpMs - expected) < 1,
        `wallclock ${u.ntpMs} = camera's ${expected}`,
      );
    }
    assert.equal(camera.connected, 1, 'one connection to the camera for four viewers and a test consumer');

    await until(
      () => cameras.health(id)!.consumers === 1,
      'the viewers to leave; the test consumer stays',
      5000,
    );
    const h = cameras.health(id)!;
    assert.equal(h.state, 'live');
    assert.equal(h.codec, 'h264');
    assert.equal(h.width, 320);
    assert.equal(h.height, 240);
    assert.ok(h.fps !== null && Math.abs(h.fps - 25) < 0.5, `fps from PTS: ${h.fps}`);
    assert.ok(h.bitrateBps !== null && h.bitrateBps > 50_000, `bitrate ${h.bitrateBps}`);
    assert.ok(h.lastFrameAt !== null && !Number.isNaN(Date.parse(h.lastFrameAt)));
    const samples = parsePrometheusText(cameras.metricsText());
    const up = samples.filter((s) => s.name === 'kadr_camera_up');
    assert.deepEqual(
      up.map((s) => [s.labels.name, s.value]).sort(),
      [
        [name, 1],
        [odd.name, 0],
      ].sort(),
    );
    const fps = samples.find((s) => s.name === 'kadr_camera_fps' && s.labels.id === id);
    assert.ok(fps && Math.abs(fps.value - 25) < 0.5);
    const state = samples.filter(
      (s) => s.name === 'kadr_camera_state' && s.labels.id === odd.id && s.value === 1,
    );
    assert.deepEqual(
      state.map((s) => s.labels.state),
      ['idle'],
    );

    // Only a consumer that does not show the picture (as a recorder): paced reads hand over 100 ms of
    // frames at once. A live viewer joins: each frame is read as it arrives, 40 ms apart; it leaves:
    // paced again.
    const paced = await bunchedShare(truth, 2000);
    const viewer = cameras.acquire(id, 'viewer', { live: true });
    collect(viewer);
    const watched = await bunchedShare(truth, 2000);
    viewer.close();
    const pacedAgain = await bunchedShare(truth, 2000);
    assert.ok(paced > 0.4, `paced reads: ${Math.round(paced * 100)}% of frames bunched`);
    assert.ok(watched < 0.25, `watched live: ${Math.round(watched * 100)}% of frames bunched`);
    assert.ok(pacedAgain > 0.4, `paced again: ${Math.round(pacedAgain * 100)}% of frames bunched`);
  } finally {
    await kadr.close();
    await camera.kill();
  }
});

test('on demand (H.265): connects at the first viewer, disconnects idleStopMs after the last', async () => {
  const camera = await startLiveSource({ hev: 'h265' });
  const cameras = new LiveCameras({ idleStopMs: 1500, reconnectMinMs: 200 });
  const kadr = await startKadrLive(cameras);
  try {
    const id = randomUUID();
    cameras.put({ id, name: 'yard', url: camera.url('hev'), transport: 'udp', onDemand: true });
    await sleepMs(500);
    assert.equal(cameras.health(id)!.state, 'idle');
    assert.equal(camera.connected, 0, 'nobody watches: not connected');
    let truth: Seen[] = [];
    let sub: HubSubscription<MediaUnit> | null = null;
    const viewing = gstViewer(kadr.url('yard'), 'tcp', 'h265', 6);
    await until(() => cameras.health(id)!.state === 'live', 'the camera to connect for the viewer');
    sub = cameras.acquire(id, 'test');
    truth = collect(sub);
    const v = await viewing;
    assert.equal(v.error, null);
    assert.ok(v.timestamps.length >= 40, `${v.timestamps.length} H.265 frames`);
    const tail = v.timestamps.filter((t) => truth.some((s) => s.rtp === t));
    assert.ok(
      tail.length >= 30 &&
        contiguousIn(
          tail,
          truth.map((s) => s.rtp),
        ),
      "H.265 timestamps are the camera's",
    );
    assert.equal(camera.connected, 1);
    sub.close();
    const left = Date.now();
    await until(() => camera.closed === 1, 'the camera connection to close', 10_000);
    const after = Date.now() - left;
    assert.ok(after >= 1400 && after < 4000, `closed ${after} ms after the last consumer left`);
    assert.equal(cameras.health(id)!.state, 'idle');
  } finally {
    await kadr.close();
    await camera.kill();
  }
});

test('the camera drops for 3 s and returns: reconnecting then live; a TCP viewer keeps its session', async () => {
  const port = await freePort();
  const camera = await startLiveSource({ cam: 'h264' }, port);
  const cameras = new LiveCameras({ reconnectMinMs: 200, reconnectMaxMs: 1000, readTimeoutMs: 2000 });
  const kadr = await startKadrLive(cameras);
  try {
    const id = randomUUID();
    cameras.put({ id, name: 'gate', url: camera.url('cam'), transport: 'tcp', onDemand: false });
    await until(() => cameras.health(id)!.state === 'live', 'live');
    const viewer = startGstViewer(kadr.url('gate'), 'tcp', 'h264', 14);
    await until(() => viewer.now.timestamps.length >= 25, 'the viewer to get frames');
    await camera.kill();
    const killedAt = Date.now();
    await until(() => cameras.health(id)!.state === 'reconnecting', 'reconnecting', 5000);
    assert.ok(cameras.health(id)!.lastError, 'the loss has a reason');
    await sleepMs(3000 - (Date.now() - killedAt));
    await camera.restart();
    const backAt = Date.now();
    await until(() => cameras.health(id)!.state === 'live', 'live again', 8000);
    const h = cameras.health(id)!;
    assert.equal(h.reconnects, 1);
    assert.equal(h.lastError, null);
    const v = await viewer.done;
    assert.equal(v.error, null, 'the viewer saw no error');
    const before = v.at.filter((t) => t < killedAt).length;
    const afterReturn = v.at.filter((t) => t > backAt).length;
    assert.ok(before >= 25, `${before} frames before the drop`);
    assert.ok(afterReturn >= 50, `${afterReturn} frames after the camera came back, in the same session`);
  } finally {
    await kadr.close();
    await camera.kill();
  }
});

test('a camera removed while watched: the viewer gets RTCP BYE and ends cleanly, the camera is released', async () => {
  const camera = await startLiveSource({ cam: 'h264' });
  const cameras = new LiveCameras();
  const kadr = await startKadrLive(cameras);
  try {
    const id = randomUUID();
    cameras.put({ id, name: 'porch', url: camera.url('cam'), transport: 'tcp', onDemand: false });
    await until(() => cameras.health(id)!.state === 'live', 'live');
    const viewer = startGstViewer(kadr.url('porch'), 'tcp', 'h264', 20);
    await until(() => viewer.now.timestamps.length >= 25, 'the viewer to get frames');
    const removedAt = Date.now();
    await cameras.remove(id);
    const v = await viewer.done;
    assert.equal(v.error, null);
    assert.ok(v.ended, 'the viewer saw the end of the stream (EOS from RTCP BYE)');
    assert.ok(Date.now() - removedAt < 5000, 'it ended at once, not at its 20 s limit');
    assert.ok(v.timestamps.length >= 25, `${v.timestamps.length} frames before`);
    await until(() => camera.closed === 1, 'the camera connection closed', 5000);
    assert.equal(cameras.health(id), undefined);
  } finally {
    await kadr.close();
    await camera.kill();
  }
});

test('a consumer that does not read skips to keyframes, counted in health and metrics; the others lose nothing', async () => {
  const camera = await startLiveSource({ cam: 'h264' });
  const cameras = new LiveCameras({ maxQueuedUnits: 10 });
  try {
    const id = randomUUID();
    cameras.put({ id, name: 'slow', url: camera.url('cam'), transport: 'tcp', onDemand: false });
    await until(() => cameras.health(id)!.state === 'live', 'live');
    const stalled = cameras.acquire(id, 'stalled');
    const reader = collect(cameras.acquire(id, 'reader'));
    await sleepMs(3000);
    const skipped = cameras.health(id)!.skippedUnits;
    assert.ok(
      skipped >= 40,
      `${skipped} units skipped by the consumer that never reads (3 s at 25 fps, 10 kept)`,
    );
    assert.equal(skipped, stalled.skippedUnits);
    const steps = reader.slice(1).map((u, i) => (u.rtp - reader[i]!.rtp + 2 ** 32) % 2 ** 32);
    assert.ok(
      reader.length >= 45 && steps.every((d) => d === 3600),
      `the reading consumer got every frame: ${reader.length} ${[...new Set(steps)].join(',')}`,
    );
    stalled.close();
    const metric = parsePrometheusText(cameras.metricsText()).find(
      (m) => m.name === 'kadr_camera_skipped_units_total',
    );
    assert.ok(metric && metric.value >= skipped, 'the count stays after the consumer left');
  } finally {
    await cameras.close();
    await camera.kill();
  }
});

test('a TCP viewer reading at a third of the rate skips whole units to keyframes, sequence unbroken', async () => {
  const camera = await startLiveSource({ cam: 'h264-heavy' });
  const cameras = new LiveCameras();
  const kadr = await startKadrLive(cameras, { tcpSkipBacklogBytes: 256 * 1024 });
  try {
    const id = randomUUID();
    cameras.put({ id, name: 'lane', url: camera.url('cam'), transport: 'tcp', onDemand: false });
    await until(() => cameras.health(id)!.state === 'live', 'live');
    const c = await RawClient.connect(kadr.port);
    const url = kadr.url('lane');
    assert.equal((await c.request('DESCRIBE', url, { Accept: 'application/sdp' })).status, 200);
    const s = await c.request('SETUP', `${url}/track0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
    const session = s.headers.get('session')!.split(';')[0]!;
    assert.equal((await c.request('PLAY', url, { Session: session })).status, 200);
    await sleepMs(1500);
    const bytesPerSec = c.frames.reduce((n, f) => n + f.payload.length, 0) / 1.5;
    c.socket.removeAllListeners('data');
    const parse = (c as unknown as { onData(d: Buffer): void }).onData.bind(c);
    throttle(c.socket, Math.round(bytesPerSec / 3), parse);
    /** The access units where the RTP timestamp jumps by more than 3 frames: NAL types of each. */
    const jumps = () => {
      const rtp = c.frames.filter((f) => f.channel === 0).map((f) => f.payload);
      const found: number[][] = [];
      for (let i = 1; i < rtp.length; i++) {
        assert.equal(
          rtp[i]!.readUInt16BE(2),
          (rtp[i - 1]!.readUInt16BE(2) + 1) & 0xffff,
          'sequence unbroken',
        );
        const ts = rtp[i]!.readUInt32BE(4);
        if ((ts - rtp[i - 1]!.readUInt32BE(4)) >>> 0 <= 3 * 3600) continue;
        const types: number[] = [];
        for (let j = i; j < rtp.length && rtp[j]!.readUInt32BE(4) === ts; j++)
          types.push(firstNalType(rtp[j]!));
        found.push(types);
      }
      return found;
    };
    // What the server left out shows at the viewer once it has read what the kernel buffers held.
    await until(
      () => kadr.server.stats.viewerSkips >= 1 && jumps().length >= 1,
      'a skip seen by the viewer',
      60_000,
    );
    const landings = jumps();
    assert.ok(landings.length >= 1, `the viewer saw ${landings.length} jumps`);
    for (const types of landings) assert.ok(types.includes(5), `each skip lands on an IDR (NAL ${types})`);
    assert.equal(kadr.server.stats.overflows, 0, 'not dropped');
    c.close();
  } finally {
    await kadr.close();
    await camera.kill();
  }
});

test('a camera that never answers: failed with a readable error, no credentials, retried with back-off', async () => {
  const sockets: net.Socket[] = [];
  let accepted = 0;
  const silent = net.createServer((s) => {
    accepted++;
    sockets.push(s);
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as net.AddressInfo).port;
  const retries: number[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn(message, fields) {
      if (message === 'cannot connect to the source') retries.push(fields!.retryInMs as number);
    },
    error() {},
    child() {
      return logger;
    },
  };
  const cameras = new LiveCameras({ logger, reconnectMinMs: 200, reconnectMaxMs: 800, readTimeoutMs: 500 });
  try {
    const id = randomUUID();
    cameras.put({
      id,
      name: 'dead',
      url: `rtsp://admin:s3cret-pw@127.0.0.1:${port}/x`,
      transport: 'tcp',
      onDemand: false,
    });
    await until(() => cameras.health(id)!.state === 'failed', 'failed', 5000);
    const h = cameras.health(id)!;
    assert.match(h.lastError!, /cannot open rtsp:\/\/\*\*\*@127\.0\.0\.1:\d+\/x: .*no response/);
    assert.ok(!h.lastError!.includes('s3cret') && !h.lastError!.includes('admin'), h.lastError!);
    await until(() => retries.length >= 4, 'four attempts', 15_000);
    assert.deepEqual(retries.slice(0, 4), [200, 400, 800, 800], 'back-off doubles up to the maximum');
    assert.equal(cameras.health(id)!.state, 'failed', 'still failed while retrying');
    assert.ok(accepted >= 4, 'each attempt reached the server');
    assert.ok(!cameras.metricsText().includes('s3cret'));
  } finally {
    await cameras.close();
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

/** kadr's own RTSP client (the camera pull) on the restream: rtp timestamp and wallclock per unit. */
async function pullThroughKadr(url: string, ms: number): Promise<Seen[]> {
  const source = new RtspCameraSource(url, { transport: 'tcp', path: 'auto', readTimeoutMs: 5000 });
  const abort = new AbortController();
  const pull = await source.connect(abort.signal);
  const seen: Seen[] = [];
  const stop = Date.now() + ms;
  while (Date.now() < stop) {
    const u = await pull.read();
    if (!u) break;
    seen.push({ rtp: u.rtpTimestamp!, ntpMs: u.ntpMs, key: u.key, receivedAtMs: u.receivedAtMs });
    pull.recycle(u.data);
  }
  await pull.close();
  return seen;
}
