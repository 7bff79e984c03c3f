import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KadrError, isKadrError } from '../core/errors.js';
import type { LiveViewInfo, LiveViewLease, LiveViewSource } from '../streams/index.js';
import { StreamHub } from '../streams/index.js';
import { HlsMuxers } from './hls-muxers.js';

/** One stream, "cam", at its original quality, over a real hub. */
function oneStream(hub: StreamHub): LiveViewSource {
  const info: LiveViewInfo = { name: 'cam', kind: 'camera', cameraId: 'c1', qualities: ['original'] };
  return {
    list: () => [info],
    get: (name) => (name === 'cam' ? info : undefined),
    acquire(name, quality): LiveViewLease {
      if (name !== 'cam' || quality !== 'original')
        throw new KadrError('KADR_ERR_NOT_FOUND', `no ${name} ${quality}`);
      const subscription = hub.subscribe();
      return { subscription, stream: () => null, close: () => subscription.close() };
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('one muxer per stream and quality, started on demand and stopped once nobody asks', async () => {
  const hub = new StreamHub();
  const muxers = new HlsMuxers(oneStream(hub), { idleMs: 300, firstSegmentWaitMs: 200 });
  try {
    const a = muxers.get('cam', 'original');
    assert.equal(muxers.get('cam', 'original'), a, 'shared by every viewer');
    assert.equal(hub.subscribers, 1);
    assert.throws(
      () => muxers.get('cam', '4k'),
      (e) => isKadrError(e, 'KADR_ERR_NOT_FOUND'),
    );
    assert.throws(
      () => muxers.get('nope', 'original'),
      (e) => isKadrError(e, 'KADR_ERR_NOT_FOUND'),
    );
    // No video within the wait: the stream is there but has nothing to show.
    await assert.rejects(a.playlist(undefined, undefined), (e) =>
      isKadrError(e, 'KADR_ERR_STREAM_UNAVAILABLE'),
    );
    await sleep(900);
    assert.equal(muxers.running, 0, 'stopped after the idle time');
    assert.equal(hub.subscribers, 0, 'and left the stream');
    const b = muxers.get('cam', 'original');
    assert.notEqual(b, a, 'a later request starts a new one');
    const waiting = b.playlist(undefined, undefined);
    hub.finish();
    await assert.rejects(waiting, (e) => isKadrError(e, 'KADR_ERR_NOT_FOUND'), 'the stream ended');
  } finally {
    muxers.close();
  }
});
