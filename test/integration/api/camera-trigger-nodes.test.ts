/**
 * A trigger across nodes (docs/cameras.md, "Groups and triggers"; docs/nodes.md): two `kadr serve`
 * processes on one real PostgreSQL and one S3 (Ceph radosgw), four cameras recording continuously
 * (gst-rtsp-server, a keyframe every 3 s), each run by one of the nodes. A trigger sent to one node
 * makes the clips of all four, those of the other node's cameras included: it is database and object
 * store work. Every clip starts at the frame the recording shows at the trigger instant (as either
 * node's frame route answers it), and the spread of those frames is within one frame interval.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the answers are read field by field, as JSON */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { sleepMs, startLiveSource, type LiveSource } from '../streams/live-peers.js';
import { callApi } from './support/api-call.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { kadrEnv, startKadr, type KadrProcess } from './support/kadr-process.js';

const token = randomBytes(24).toString('hex');
const bucket = `kadr-trigger-${randomBytes(4).toString('hex')}`;
const FRAME_MS = 40;
let tdb: TestDatabase;
let dataDir: string;
let source: LiveSource;
const nodes: KadrProcess[] = [];

const api = (node: KadrProcess, method: string, url: string, body?: unknown) =>
  callApi(node.url, token, method, url, body);

/** The cameras in a node's own live runtime, from its /metrics. */
async function runtimeOf(node: KadrProcess): Promise<Set<string>> {
  const res = await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  return new Set([...(await res.text()).matchAll(/^kadr_camera_up\{id="([^"]+)"/gm)].map((m) => m[1]!));
}

before(async () => {
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-trigger-nodes-'));
  source = await startLiveSource({ c0: 'h264-gop3', c1: 'h264-gop3', c2: 'h264-gop3', c3: 'h264-gop3' });
  const started = await Promise.allSettled(
    ['a', 'b'].map((n) =>
      startKadr(
        ['serve', '--port', '0', '--data', path.join(dataDir, n), '--concurrency', '0', '--rtsp-port', '0'],
        kadrEnv(
          {
            DATABASE_URL: tdb.url,
            KADR_API_TOKEN: token,
            KADR_CAMERA_SEGMENT_SECONDS: '1',
            KADR_NODE_ID: `node-${n}`,
            KADR_NODE_HEARTBEAT_MS: '1500',
            KADR_NODE_LEASE_MS: '6000',
            S3_BUCKET: bucket,
          },
          true,
        ),
      ),
    ),
  );
  for (const s of started) if (s.status === 'fulfilled') nodes.push(s.value);
  for (const s of started) if (s.status === 'rejected') throw s.reason;
});
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await source?.kill();
  await tdb?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

test('a trigger sent to one node makes frame-exact clips of the cameras both nodes run', async (t) => {
  const [a, b] = nodes as [KadrProcess, KadrProcess];
  const ids: string[] = [];
  for (const [i, name] of ['c0', 'c1', 'c2', 'c3'].entries()) {
    const got = await api(a, 'POST', '/api/cameras', {
      name: `car-${i}`,
      url: source.url(name),
      record: true,
    });
    assert.equal(got.status, 201, got.text);
    ids.push(got.json.id as string);
  }
  const since = Date.now() - 60_000;
  for (let i = 0; ; i++) {
    const [ra, rb] = await Promise.all([runtimeOf(a), runtimeOf(b)]);
    const recorded = await Promise.all(
      ids.map(async (id) => {
        const q = `from=${new Date(since).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`;
        return (await api(a, 'GET', `/api/cameras/${id}/recordings?${q}`)).json.segments.length as number;
      }),
    );
    if (ra.size > 0 && rb.size > 0 && ra.size + rb.size === 4 && recorded.every((n) => n >= 2)) break;
    assert.ok(i < 100, `runtimes ${ra.size}+${rb.size}, segments ${recorded.join(',')}`);
    await sleepMs(300);
  }
  const group = await api(a, 'POST', '/api/camera-groups', { name: 'train', cameras: ids });
  assert.equal(group.status, 201, group.text);

  const posted = await api(a, 'POST', `/api/camera-groups/${group.json.id}/trigger`, { durationSeconds: 1 });
  assert.equal(posted.status, 202, posted.text);
  let trig: Record<string, any> = posted.json;
  for (let i = 0; i < 160 && trig.status !== 'done' && trig.status !== 'failed'; i++) {
    await sleepMs(250);
    // Followed on the other node: the trigger's state is in the database.
    trig = (await api(b, 'GET', `/api/triggers/${posted.json.id}`)).json;
  }
  assert.equal(trig.status, 'done', JSON.stringify(trig));
  const atMs = Date.parse(trig.at);
  const times: number[] = [];
  for (const cam of trig.cameras as any[]) {
    assert.equal(cam.status, 'done', JSON.stringify(cam));
    const frame = (await api(b, 'GET', `/api/cameras/${cam.cameraId}/frame?at=${trig.at}&format=json`)).json;
    assert.equal(cam.firstFrameTime, frame.frameTime, 'the clip starts at the frame at the trigger');
    const ms = Date.parse(cam.firstFrameTime);
    assert.ok(ms <= atMs && atMs - ms < FRAME_MS + 1, `frame ${cam.firstFrameTime}, trigger ${trig.at}`);
    times.push(ms);
  }
  const spread = Math.max(...times) - Math.min(...times);
  t.diagnostic(`trigger across two nodes: spread ${trig.spreadMs} ms over 4 cameras (ms resolution)`);
  assert.equal(trig.spreadMs, spread);
  assert.ok(spread < FRAME_MS, `spread ${spread} ms`);
});
