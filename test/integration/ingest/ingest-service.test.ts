/**
 * The ingest service in-process, with the folder object store: a live session is watchable like a
 * camera (its hub hands out Annex B H.264 units with the capture times as PTS and wallclock, a late
 * viewer joins at a keyframe), and a store that is down when the session finishes leaves nothing
 * half-stored: the finish answers 503, nothing is under the key, and the recording, kept in the spool,
 * is stored whole once the store is back.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { IngestService } from '../../../src/app/index.js';
import { isKadrError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import { FsObjectStore, type ObjectStore } from '../../../src/storage/index.js';

let dir: string;
let jpegs: Buffer[];

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kadr-ingest-svc-'));
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=640x360:rate=25',
    '-frames:v',
    '6',
    '-q:v',
    '4',
    path.join(dir, 'f%d.jpg'),
  ]);
  jpegs = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => readFile(path.join(dir, `f${n}.jpg`))));
});

after(() => (process.env.KEEP ? undefined : rm(dir, { recursive: true, force: true })));

const T0 = Date.UTC(2026, 11, 5, 9, 0, 0, 7);
const TIMES = [T0, T0 + 33, T0 + 34, T0 + 150, T0 + 2300, T0 + 2311];

const nalTypes = (au: Buffer) => {
  const types: number[] = [];
  for (let i = 0; i + 3 < au.length; i++) {
    if (au[i] === 0 && au[i + 1] === 0 && au[i + 2] === 1) types.push(au[i + 3]! & 0x1f);
  }
  return types;
};

test('a live session is watchable like a camera: Annex B units, PTS and wallclock = capture times', async () => {
  const service = new IngestService({
    store: new FsObjectStore(path.join(dir, 'live-objects')),
    spoolDir: path.join(dir, 'live-spool'),
    idleMs: 60_000,
    log: silentLogger,
  });
  try {
    const { id } = await service.open('webcam');
    const live = service.live('webcam');
    assert.ok(live);
    assert.equal(live.stream(), null, 'no track before the first frame');
    const sub = live.hub.subscribe();
    for (const [i, t] of TIMES.entries()) await service.addFrame(id, jpegs[i]!, t);
    const track = live.stream();
    assert.equal(track?.info.codec, 'h264');
    assert.deepEqual([track?.info.width, track?.info.height], [640, 360]);
    assert.deepEqual(track?.info.timeBase, { num: 1, den: 1000 });
    const units = [];
    for (let i = 0; i < TIMES.length; i++) units.push((await sub.read())!);
    assert.deepEqual(
      units.map((u) => u.pts),
      TIMES.map((t) => BigInt(t - T0)),
    );
    assert.deepEqual(
      units.map((u) => u.ntpMs),
      TIMES,
    );
    assert.deepEqual(
      units.map((u) => u.key),
      [true, false, false, false, true, false],
      'a keyframe every 2 s',
    );
    assert.ok(
      nalTypes(units[0]!.data).includes(7) && nalTypes(units[0]!.data).includes(8),
      'SPS and PPS in-band',
    );
    // A late viewer starts at the last keyframe (2.3 s), which decodes on its own.
    const late = live.hub.subscribe();
    assert.equal((await late.read())!.pts, BigInt(TIMES[4]! - T0));
    await service.finish(id);
    assert.equal(await sub.read(), null, 'the hub ends with the session');
    assert.equal(service.live('webcam'), null);
    late.close();
  } finally {
    await service.close();
  }
});

/** The folder store, with puts and live writers failing while `down`. */
function flakyStore(inner: ObjectStore) {
  const state = { down: false };
  const store: ObjectStore = Object.create(inner) as ObjectStore;
  store.put = async (key: string, body: Readable | Buffer, options?: object) => {
    if (state.down) {
      if (!Buffer.isBuffer(body)) body.destroy();
      throw new Error('store is down');
    }
    return inner.put(key, body, options);
  };
  store.openWriter = (key: string, options?: { contentType?: string }) => {
    const w = inner.openWriter(key, options);
    if (!state.down) return w;
    const down = new Error('store is down');
    return {
      write: () => undefined,
      backlogBytes: 0,
      error: down,
      end: async () => {
        await w.abort(down);
        throw down;
      },
      abort: (reason: Error) => w.abort(reason),
    };
  };
  return { store, state };
}

test('a store that is down at the finish: 503, nothing half-stored, stored whole when it is back', async () => {
  const inner = new FsObjectStore(path.join(dir, 'flaky-objects'));
  const { store, state } = flakyStore(inner);
  const service = new IngestService({
    store,
    spoolDir: path.join(dir, 'flaky-spool'),
    idleMs: 60_000,
    log: silentLogger,
  });
  try {
    const { id } = await service.open('flaky');
    state.down = true;
    for (const [i, t] of TIMES.entries()) await service.addFrame(id, jpegs[i]!, t);
    await assert.rejects(
      service.finish(id),
      (e) => isKadrError(e) && e.code === 'KADR_ERR_STORAGE_UNAVAILABLE',
    );
    assert.equal(service.status(id).state, 'spooled');
    const keys = async () => {
      const out: string[] = [];
      for await (const o of inner.list('ingest/flaky/')) out.push(o.key);
      return out;
    };
    assert.deepEqual(await keys(), [], 'nothing under the key while the store is down');
    state.down = false;
    const deadline = Date.now() + 15_000;
    // The index is stored after the media: once it is there, both are.
    const indexed = async () => (await keys()).some((k) => k.endsWith('.index.json'));
    while (!(await indexed()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const stored = await keys();
    assert.equal(stored.length, 2, `stored: ${stored.join(', ')}`);
    const media = inner.describe(stored.find((k) => k.endsWith('.mp4'))!);
    const probed = JSON.parse(
      execFileSync(
        'ffprobe',
        ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=pts_time', '-of', 'json', media],
        { encoding: 'utf8' },
      ),
    ) as { frames: { pts_time: string }[] };
    const pts = probed.frames.map((f) => Math.round(Number(f.pts_time) * 1000));
    assert.deepEqual(
      pts,
      TIMES.map((t) => t - T0),
    );
  } finally {
    await service.close(1000);
  }
});
