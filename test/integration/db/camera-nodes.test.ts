/**
 * The camera leases (src/app/cameras/camera-nodes.ts, docs/nodes.md) on a real PostgreSQL, with
 * short timings (heartbeat 200 ms, lease 1 s), several lease keepers in one process, each with its
 * own pool as separate nodes would have:
 *  - four nodes starting at once divide ten cameras, each camera run by exactly one, none over its
 *    fair share, and at no moment is a camera started on a node while another runs it;
 *  - a node whose database connection hangs (a TCP relay that stops forwarding) stops its cameras
 *    before their leases can expire, and the others take them over only after that;
 *  - a push camera (docs/ingest.md) is never claimed by the fair share: only the node whose session
 *    holds it has its lease, another node's session is refused, and it is free once given back.
 * A camera "runs" here between the keeper's adopt and release calls (the cameras service's part).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { CameraNodes, IDLE_HEALTH, type OwnedCameras } from '../../../src/app/index.js';
import { silentLogger } from '../../../src/core/logger.js';
import {
  CameraLeasesRepository,
  CamerasRepository,
  openDatabase,
  type Database,
} from '../../../src/db/index.js';
import { createTestDatabase, type TestDatabase } from '../api/support/database.js';

const HEARTBEAT_MS = 200;
const LEASE_MS = 1000;
let tdb: TestDatabase;
let db: Database;
/** Which nodes run each camera now, and every moment two did. */
const running = new Map<string, Set<string>>();
const overlaps: string[] = [];
const pools: pg.Pool[] = [];
const keepers: CameraNodes[] = [];
/** The relay node n4 reaches the database through. */
let n4Relay: ReturnType<typeof relay>;

function runner(nodeId: string): OwnedCameras {
  return {
    async adopt(cameraId) {
      const on = running.get(cameraId) ?? new Set();
      if (on.size) overlaps.push(`${cameraId} started on ${nodeId} while on ${[...on].join(',')}`);
      on.add(nodeId);
      running.set(cameraId, on);
    },
    async release(cameraId) {
      running.get(cameraId)?.delete(nodeId);
    },
    async sync() {},
    snapshot: () => ({ ...IDLE_HEALTH, state: 'live', recording: false }),
  };
}

async function startNode(nodeId: string, url: string): Promise<CameraNodes> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  pools.push(pool);
  const keeper = new CameraNodes({
    repo: new CameraLeasesRepository(pool),
    node: { id: nodeId, httpUrl: `http://${nodeId}:8080`, rtspUrl: `rtsp://${nodeId}:8554` },
    heartbeatMs: HEARTBEAT_MS,
    leaseMs: LEASE_MS,
    log: silentLogger,
  });
  keepers.push(keeper);
  await keeper.start(runner(nodeId));
  return keeper;
}

const runsOn = (nodeId: string) => [...running].filter(([, on]) => on.has(nodeId)).map(([id]) => id);
const eachOnce = () => running.size > 0 && [...running.values()].every((on) => on.size === 1);

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<number> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) {
      const state = [...running].map(([id, on]) => `${id.slice(0, 4)}:${[...on].join('+')}`);
      throw new Error(`timed out waiting for ${what}: ${state.join(' ')}`);
    }
    await sleep(20);
  }
  return Date.now() - t0;
}

/** A TCP relay to PostgreSQL that can stop forwarding (a network that drops everything). */
function relay(target: URL) {
  const pairs = new Set<[net.Socket, net.Socket]>();
  let held = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    for (const s of pair) s.on('error', () => {});
    client.on('data', (d) => (held ? undefined : upstream.write(d)));
    upstream.on('data', (d) => (held ? undefined : client.write(d)));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return {
    listen: () =>
      new Promise<number>((r) =>
        server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)),
      ),
    hold: () => (held = true),
    close: () => {
      for (const p of pairs) for (const s of p) s.destroy();
      return new Promise((r) => server.close(r));
    },
  };
}

before(async () => {
  tdb = await createTestDatabase();
  db = await openDatabase({ databaseUrl: tdb.url, dataDir: '/nonexistent', log: silentLogger });
  const cameras = new CamerasRepository(db.pool);
  for (let i = 0; i < 10; i++) {
    await cameras.insert({
      id: randomUUID(),
      name: `cam-${i}`,
      url: `rtsp://127.0.0.1:1/cam-${i}`,
      credentials: null,
      transport: 'tcp',
      onDemand: false,
      record: false,
      retentionMaxAgeS: null,
      retentionMaxBytes: null,
    });
  }
});
after(async () => {
  await n4Relay?.close();
  for (const k of keepers) await Promise.race([k.close().catch(() => {}), sleep(2000)]);
  for (const p of pools) await Promise.race([p.end().catch(() => {}), sleep(500)]);
  await db?.close();
  await tdb?.drop();
});

test('four nodes starting at once divide ten cameras: each run once, none over its share, never two at once', async () => {
  await Promise.all(['n1', 'n2', 'n3'].map((id) => startNode(id, tdb.url)));
  const relayUrl = new URL(tdb.url);
  n4Relay = relay(new URL(tdb.url));
  relayUrl.hostname = '127.0.0.1';
  relayUrl.port = String(await n4Relay.listen());
  await startNode('n4', relayUrl.toString());
  const ms = await until(
    () => running.size === 10 && eachOnce() && ['n1', 'n2', 'n3', 'n4'].every((n) => runsOn(n).length >= 1),
    'ten cameras divided',
  );
  await sleep(5 * HEARTBEAT_MS);
  const shares = ['n1', 'n2', 'n3', 'n4'].map((n) => runsOn(n).length);
  console.log(`ten cameras on four nodes in ${ms} ms: ${shares.join(', ')}`);
  assert.ok(eachOnce(), 'still each camera on one node');
  assert.ok(
    shares.every((n) => n <= 3),
    `fair share ceil(10 / 4) = 3: ${shares.join(', ')}`,
  );
  assert.equal(
    shares.reduce((a, b) => a + b, 0),
    10,
  );
  assert.deepEqual(overlaps, []);
});

test('a node whose database stops answering stops its cameras before the others take them', async () => {
  const r = n4Relay;
  const lost = runsOn('n4');
  assert.ok(lost.length >= 1);
  const heldAt = Date.now();
  r.hold();
  const stoppedMs = await until(() => runsOn('n4').length === 0, 'n4 stops its cameras', 3 * LEASE_MS);
  const takenMs = await until(
    () => lost.every((id) => running.get(id)?.size === 1),
    'the others run them',
    3 * LEASE_MS,
  );
  console.log(
    `database held from n4: n4 stopped its ${lost.length} cameras after ${stoppedMs} ms, the others ran them ${Date.now() - heldAt} ms after (lease ${LEASE_MS} ms, heartbeat ${HEARTBEAT_MS} ms)`,
  );
  assert.ok(stoppedMs <= LEASE_MS, `stopped within a lease: ${stoppedMs} ms`);
  assert.ok(takenMs >= 0);
  assert.ok(eachOnce());
  assert.deepEqual(overlaps, [], 'never on two nodes at once');
  await r.close();
});

test('a push camera is held only by the node of its session, never claimed, shed or run elsewhere', async () => {
  const id = randomUUID();
  await new CamerasRepository(db.pool).insert({
    id,
    name: 'webcam',
    url: '',
    credentials: null,
    transport: 'push',
    onDemand: false,
    record: true,
    retentionMaxAgeS: null,
    retentionMaxBytes: null,
  });
  const [n1, n2] = keepers as [CameraNodes, CameraNodes];
  await sleep(4 * HEARTBEAT_MS);
  assert.equal(running.get(id), undefined, 'no node claimed the push camera');
  assert.equal(await n1.holdPush(id), true);
  assert.equal(await n2.holdPush(id), false, "another node's session is refused while n1 holds it");
  // A renewal late enough for the expiry timer (a loaded machine): the pulled cameras stop, the
  // push camera's session stays held here, and letting it go later still gives its lease back.
  await (n1 as unknown as { dropAll(why: string): Promise<void> }).dropAll('a renewal came late');
  assert.ok(n1.owns(id), 'the push session survives the stop of the pulled cameras');
  await sleep(2 * LEASE_MS);
  assert.ok(n1.owns(id), 'n1 renewed it and did not shed it');
  assert.ok(!n2.owns(id));
  assert.equal(running.get(id), undefined, 'nothing adopted it to pull');
  await n1.letGoPush(id);
  assert.ok(!n1.owns(id), 'n1 gave it back');
  assert.equal(await n2.holdPush(id), true, 'free once n1 gave it back');
  await n2.letGoPush(id);
  await sleep(4 * HEARTBEAT_MS);
  assert.equal(running.get(id), undefined, 'given back, it is run by no one');
});
