/**
 * One RTSP connection fanned out through the stream hub, against a real server (GStreamer's
 * gst-rtsp-server): every subscriber gets the same units, a late one starts at a keyframe, and one
 * that never reads skips, counted, without costing the others a frame.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MediaUnit } from '../../../src/core/media-unit.js';
import { LiveCamera } from '../../../src/streams/live-camera.js';
import { RtspCameraSource } from '../../../src/streams/rtsp-camera-source.js';
import type { HubSubscription } from '../../../src/streams/stream-hub.js';
import { ffprobeFrames } from '../../fixtures/ffprobe.js';
import { longVideo } from '../recorder/helpers.js';
import { startRtspSource, type RtspSource } from '../recorder/rtsp-source.js';

const FPS = 25;
let source: RtspSource;
let file: string;

before(async () => {
  file = longVideo(4);
  source = await startRtspSource({ v4: file });
});
after(async () => {
  await source?.stop();
});

async function readAll(sub: HubSubscription, onUnit?: (n: number) => void): Promise<MediaUnit[]> {
  const units: MediaUnit[] = [];
  for await (const u of sub) {
    units.push(u);
    onUnit?.(units.length);
  }
  return units;
}

for (const transport of ['tcp', 'udp'] as const) {
  test(`one ${transport} pull, three subscribers: identical units, a keyframe join, a counted skip`, async () => {
    const camera = new LiveCamera(
      new RtspCameraSource(source.url('v4'), { transport, path: 'auto', readTimeoutMs: 5000 }),
      { maxQueuedUnits: 30 },
    );
    const hub = camera.hub;
    const stalled = hub.subscribe();
    let late = null as Promise<MediaUnit[]> | null;
    let publishedAtJoin = 0;
    const a = readAll(hub.subscribe(), (n) => {
      if (n !== 40) return;
      publishedAtJoin = hub.published;
      late = readAll(hub.subscribe());
    });
    const b = readAll(hub.subscribe());
    await camera.run(new AbortController().signal);
    const [ua, ub] = await Promise.all([a, b]);
    const frames = ffprobeFrames(file).frames.length;
    assert.equal(frames, 4 * FPS);
    assert.equal(ua.length, frames, 'every frame of the file, from one connection');
    assert.equal(ub.length, frames);
    ua.forEach((u, i) => assert.equal(u, ub[i], `unit ${i}: the same unit object for both`));
    assert.ok(ua[0]!.key, 'the stream starts at a keyframe');
    assert.ok(
      ua.every((u, i) => i === 0 || u.pts > ua[i - 1]!.pts || !u.key),
      'keyframes in presentation order',
    );
    assert.ok(late, 'the late subscriber joined');
    const ul = await late!;
    assert.ok(ul[0]!.key, 'a late subscriber starts at a keyframe');
    const lastKey = ua.slice(0, publishedAtJoin).findLastIndex((u) => u.key);
    assert.equal(ua.indexOf(ul[0]!), lastKey, 'it starts at the last keyframe published before it joined');
    const at = lastKey;
    assert.deepEqual(ul, ua.slice(at), 'then gets every unit the others get');
    const rest = await readAll(stalled);
    assert.ok(stalled.skips >= 1, 'the subscriber that never read skipped');
    assert.equal(rest.length + stalled.skippedUnits, frames, 'each unit read or counted as skipped');
    assert.deepEqual(hub.end, { kind: 'eof' });
  });
}
