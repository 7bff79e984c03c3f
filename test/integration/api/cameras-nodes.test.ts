/**
 * Cameras shared between nodes (docs/nodes.md), end to end: two `kadr serve` processes on one real
 * PostgreSQL and one S3 (Ceph radosgw), six cameras recording a live gst-rtsp-server camera.
 *  - each camera runs in exactly one node's live runtime (read from each node's /metrics, which
 *    lists only its own runtime), both nodes run some, and every node's API says which;
 *  - a request to the node that does not run a camera: FFmpeg's RTSP client and GStreamer's rtspsrc
 *    follow the 302 to the owner and play; the live HTTP endpoints answer 307 to the owner; recording switched off and on
 *    through the other node is applied by the owner;
 *  - `kill -9` of one node: the other takes its cameras over (timed), records on, and the hole in
 *    each recording is listed as a gap with reason `owner-lost` (measured, printed, under 15 s).
 * The leases are shortened through the environment (heartbeat 1.5 s, lease 6 s) to keep the file short.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the answers are read field by field, as JSON */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  ffprobeLive,
  sleepMs,
  startGstViewer,
  startLiveSource,
  type LiveSource,
} from '../streams/live-peers.js';
import { callApi } from './support/api-call.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { kadrEnv, startKadr, type KadrProcess } from './support/kadr-process.js';

const token = randomBytes(24).toString('hex');
const bucket = `kadr-nodes-${randomBytes(4).toString('hex')}`;
const HEARTBEAT_MS = 1500;
const LEASE_MS = 6000;
const NAMES = ['cam-a', 'cam-b', 'cam-c', 'cam-d', 'cam-e', 'cam-f'];
let tdb: TestDatabase;
let dataDir: string;
let source: LiveSource;
const nodes: KadrProcess[] = [];
const ids: string[] = [];

const api = (node: KadrProcess, method: string, url: string, body?: unknown) =>
  callApi(node.url, token, method, url, body);

/** The cameras in a node's own live runtime, from its /metrics. */
async function runtimeOf(node: KadrProcess): Promise<Set<string>> {
  const res = await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  return new Set([...text.matchAll(/^kadr_camera_up\{id="([^"]+)"/gm)].map((m) => m[1]!));
}

async function cameras(node: KadrProcess): Promise<any[]> {
  const got = await api(node, 'GET', '/api/cameras');
  assert.equal(got.status, 200, got.text);
  return got.json.items as any[];
}

async function waitFor<T>(
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await sleepMs(200);
  }
}

/** Both runtimes: disjoint, together every camera. */
async function placement(): Promise<Set<string>[]> {
  return Promise.all(nodes.map(runtimeOf));
}
const ownedOnce = (sets: Set<string>[]) =>
  ids.every((id) => sets.filter((s) => s.has(id)).length === 1) &&
  sets.reduce((n, s) => n + s.size, 0) === ids.length;

async function recordings(node: KadrProcess, id: string, fromMs: number) {
  const q = `from=${new Date(fromMs).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`;
  const got = await api(node, 'GET', `/api/cameras/${id}/recordings?${q}`);
  assert.equal(got.status, 200, got.text);
  return got.json as { segments: any[]; gaps: any[] };
}

/** One raw RTSP DESCRIBE: the status line and the Location header. */
function describe(url: string): Promise<{ status: number; location: string | undefined }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname);
    let text = '';
    socket.on('data', (d) => {
      text += d.toString();
      if (!text.includes('\r\n\r\n')) return;
      socket.destroy();
      resolve({
        status: Number(/^RTSP\/1\.0 (\d{3})/.exec(text)?.[1]),
        location: /\r\nLocation: ([^\r]+)/i.exec(text)?.[1],
      });
    });
    socket.on('error', reject);
    socket.write(`DESCRIBE ${url} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n`);
  });
}

before(async () => {
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-cameras-nodes-'));
  source = await startLiveSource({ cam: 'h264' });
  // Both at once, on a new database: their migrations and queues must not trip over each other.
  const started = await Promise.allSettled(
    ['a', 'b'].map((n) => {
      const env = kadrEnv(
        {
          DATABASE_URL: tdb.url,
          KADR_API_TOKEN: token,
          KADR_CAMERA_SEGMENT_SECONDS: '1',
          KADR_NODE_ID: `node-${n}`,
          KADR_NODE_HEARTBEAT_MS: String(HEARTBEAT_MS),
          KADR_NODE_LEASE_MS: String(LEASE_MS),
          S3_BUCKET: bucket,
          // One spool root for both, as for two nodes on one host: each node keeps its own part.
          KADR_SPOOL_DIR: path.join(dataDir, 'spool'),
        },
        true,
      );
      const args = ['--data', path.join(dataDir, n), '--concurrency', '0', '--rtsp-port', '0'];
      return startKadr(['serve', '--port', '0', ...args], env);
    }),
  );
  for (const s of started) if (s.status === 'fulfilled') nodes.push(s.value);
  for (const s of started) if (s.status === 'rejected') throw s.reason;
  for (const name of NAMES) {
    const got = await api(nodes[0]!, 'POST', '/api/cameras', { name, url: source.url('cam'), record: true });
    assert.equal(got.status, 201, got.text);
    ids.push(got.json.id as string);
  }
});
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await source?.kill();
  await tdb?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

test('two nodes, six cameras: each camera runs on exactly one node, both run some, every node says which', async () => {
  const sets = await waitFor(placement, ownedOnce, 'each camera in exactly one runtime');
  // Stays so over two heartbeats (no camera handed back and forth).
  await sleepMs(2 * HEARTBEAT_MS);
  const again = await placement();
  assert.ok(ownedOnce(again), 'still each camera once');
  assert.deepEqual(
    again.map((s) => [...s].sort()),
    sets.map((s) => [...s].sort()),
  );
  console.log(`runtimes: node-a ${sets[0]!.size} cameras, node-b ${sets[1]!.size} cameras`);
  assert.deepEqual(
    sets.map((s) => s.size),
    [3, 3],
    'the fair share: ceil(6 / 2) each',
  );
  for (const node of nodes) {
    const list = await waitFor(
      () => cameras(node),
      (l) => l.every((c) => c.state === 'live' && c.recording === true),
      'every camera live and recording, as each node sees it',
    );
    for (const cam of list) {
      const owner = sets[0]!.has(cam.id) ? 0 : 1;
      assert.equal(cam.node.id, `node-${'ab'[owner]}`, `${cam.name}: the owner`);
      assert.equal(cam.node.url, nodes[owner]!.url);
      const ownerCam = (await api(nodes[owner]!, 'GET', `/api/cameras/${cam.id}`)).json;
      assert.equal(cam.rtspUrl, ownerCam.rtspUrl, "the rtspUrl is the owner's restream");
    }
  }
});

test('a request to the other node: RTSP 302 followed by FFmpeg, HTTP 307 for live endpoints, recording switched through it', async () => {
  const sets = await placement();
  const [a, b] = nodes as [KadrProcess, KadrProcess];
  const onB = (await cameras(a)).find((c) => sets[1]!.has(c.id))!;
  const onA = (await cameras(a)).find((c) => sets[0]!.has(c.id))!;
  // node-a's RTSP server, asked for a camera node-b runs.
  const viaA = onA.rtspUrl.replace(/\/[^/]+$/, `/${onB.name}`);
  assert.notEqual(viaA, onB.rtspUrl);
  const moved = await describe(viaA);
  assert.equal(moved.status, 302);
  assert.equal(moved.location, onB.rtspUrl);
  assert.equal((await describe(onA.rtspUrl)).status, 200, 'its own camera is served');
  // Two real clients follow it: FFmpeg's RTSP demuxer and GStreamer's rtspsrc.
  const [played, watched] = await Promise.all([
    ffprobeLive(viaA, 'tcp', 10),
    startGstViewer(viaA, 'tcp', 'h264', 2).done,
  ]);
  assert.equal(played.code, 0);
  assert.ok(played.pts.length >= 10, `ffprobe through the redirect: ${played.pts.length} frames`);
  assert.equal(watched.error, null);
  assert.ok(watched.timestamps.length >= 10, `rtspsrc through the redirect: ${watched.timestamps.length}`);
  console.log(
    `through the 302: ffprobe ${played.pts.length} frames, rtspsrc ${watched.timestamps.length} frames in 2 s`,
  );

  const hls = `/api/live/${onB.name}/hls/index.m3u8?quality=original`;
  const redirected = await fetch(`${a.url}${hls}`, {
    headers: { authorization: `Bearer ${token}` },
    redirect: 'manual',
  });
  assert.equal(redirected.status, 307);
  assert.equal(redirected.headers.get('location'), `${b.url}${hls}`);
  const anonymous = await fetch(`${a.url}${hls}`, { redirect: 'manual' });
  assert.notEqual(anonymous.status, 307, 'no token: the owner is not told');
  const own = await fetch(`${a.url}/api/live/${onA.name}/hls/index.m3u8`, {
    headers: { authorization: `Bearer ${token}` },
    redirect: 'manual',
  });
  assert.notEqual(own.status, 307, 'a camera of this node is answered here');
  // Every node lists every camera as a live stream: its own with paths on itself, the other's with the
  // full URLs on the owner (where the token is sent again), at the qualities the owner lists.
  const lists = await Promise.all(
    nodes.map(async (n) => {
      const got = await api(n, 'GET', '/api/live');
      assert.equal(got.status, 200, got.text);
      return new Map((JSON.parse(got.text) as any[]).map((v) => [v.name as string, v]));
    }),
  );
  for (const [i, list] of lists.entries()) {
    assert.deepEqual([...list.keys()].sort(), NAMES, `node-${'ab'[i]} lists all six cameras`);
    for (const cam of await cameras(a)) {
      const owner = sets[0]!.has(cam.id) ? 0 : 1;
      const own = lists[owner]!.get(cam.name);
      const base = owner === i ? '' : nodes[owner]!.url;
      assert.equal(
        list.get(cam.name).whep,
        `${base}/api/live/${cam.name}/whep`,
        `${cam.name} on node-${'ab'[i]}`,
      );
      assert.equal(list.get(cam.name).hls, `${base}${own.hls}`);
      assert.deepEqual(list.get(cam.name).qualities, own.qualities, `${cam.name}: the owner's qualities`);
    }
  }
  const listedOnB = lists[0]!.get(onB.name);
  const fromOwner = await fetch(listedOnB.hls, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(fromOwner.status, 200, "node-a's URL for node-b's camera plays from node-b");
  assert.match(await fromOwner.text(), /^#EXTM3U/);
  // Recordings and frames answer from any node (PostgreSQL + S3): node-b's segments, through node-a.
  const recorded = await recordings(a, onB.id, Date.now() - 30_000);
  assert.ok(recorded.segments.length >= 1, "node-b's segments listed by node-a");
  const at = new Date(Date.parse(recorded.segments[0].start) + 100).toISOString();
  const frame = await api(a, 'GET', `/api/cameras/${onB.id}/frame?at=${at}&format=json`);
  assert.equal(frame.status, 200, frame.text);
  assert.equal(frame.json.segmentId, recorded.segments[0].id);

  // Recording off and on through node-a: node-b applies it at its next heartbeat.
  const t0 = Date.now();
  assert.equal((await api(a, 'POST', `/api/cameras/${onB.id}/recording/stop`)).status, 200);
  await waitFor(
    async () => (await api(a, 'GET', `/api/cameras/${onB.id}`)).json,
    (c) => c.recording === false && c.record === false,
    'node-b stopped recording',
    4 * HEARTBEAT_MS,
  );
  assert.equal((await api(a, 'POST', `/api/cameras/${onB.id}/recording/start`)).status, 200);
  await waitFor(
    async () => (await api(b, 'GET', `/api/cameras/${onB.id}`)).json,
    (c) => c.recording === true,
    'node-b recording again',
    4 * HEARTBEAT_MS,
  );
  console.log(`recording stopped and started through the other node in ${Date.now() - t0} ms`);
});

test('kill -9 of a node: the other takes its cameras over, records on, the gap is listed as owner-lost', async () => {
  const [a, b] = nodes as [KadrProcess, KadrProcess];
  const lost = [...(await runtimeOf(b))];
  assert.equal(lost.length, 3);
  // Every camera of node-b has a segment stored in the last 2.5 s before the kill (the one whose
  // recording was just switched off and on too), so the gap measures the takeover alone.
  await waitFor(
    () => Promise.all(lost.map((id) => recordings(a, id, Date.now() - 5_000))),
    (all) => all.every((r) => r.segments.some((s) => Date.parse(s.end) > Date.now() - 2_500)),
    "node-b's cameras recorded",
  );
  const killedAt = Date.now();
  await b.kill9();
  await waitFor(
    () => runtimeOf(a),
    (s) => lost.every((id) => s.has(id)),
    'node-a runs them',
    20_000,
  );
  const takeoverMs = Date.now() - killedAt;
  console.log(
    `takeover: node-a runs node-b's ${lost.length} cameras ${takeoverMs} ms after kill -9 (lease ${LEASE_MS} ms, heartbeat ${HEARTBEAT_MS} ms)`,
  );
  assert.ok(takeoverMs <= LEASE_MS + 2 * HEARTBEAT_MS + 1000, `takeover ${takeoverMs} ms`);
  assert.equal((await runtimeOf(a)).size, ids.length, 'node-a runs every camera once');
  const list = await cameras(a);
  assert.ok(
    list.every((c) => c.node?.id === 'node-a'),
    JSON.stringify(list.map((c) => c.node)),
  );

  for (const id of lost) {
    const r = await waitFor(
      () => recordings(a, id, killedAt - 10_000),
      (x) =>
        x.gaps.some((g) => g.reason === 'owner-lost') &&
        x.segments.some((s) => Date.parse(s.start) > killedAt),
      'the gap listed and segments after it',
      20_000,
    );
    const gap = r.gaps.find((g) => g.reason === 'owner-lost')!;
    const gapMs = Date.parse(gap.to) - Date.parse(gap.from);
    console.log(
      `camera ${id.slice(0, 8)}: recording gap across the kill ${gapMs} ms (${gap.from} -> ${gap.to})`,
    );
    assert.ok(gapMs > 0 && gapMs < 15_000, `gap ${gapMs} ms`);
    // The hole is listed once: not also as the new recorder's own restart (it sees node-b's last
    // segment in the store, or node-b's open journal).
    const overlapping = r.gaps.filter(
      (g) => Date.parse(g.from) < Date.parse(gap.to) && Date.parse(g.to) > Date.parse(gap.from),
    );
    assert.equal(overlapping.length, 1, JSON.stringify(r.gaps));
    // The gap runs from node-b's last stored segment to node-a's first.
    const before = r.segments.filter((s) => Date.parse(s.end) <= Date.parse(gap.from) + 1);
    const afterGap = r.segments.filter((s) => Date.parse(s.start) >= Date.parse(gap.to) - 1);
    const ms = (iso: string | undefined) => (iso === undefined ? NaN : Date.parse(iso));
    assert.ok(Math.abs(ms(before.at(-1)?.end) - ms(gap.from)) <= 1, 'from the last segment before');
    assert.ok(Math.abs(ms(afterGap[0]?.start) - ms(gap.to)) <= 1, 'to the first segment after');
  }
});
