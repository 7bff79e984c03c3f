/**
 * An ONVIF device's stream added as a camera in one step, against a real `kadr serve` and a real
 * PostgreSQL, through the HTTP API and the `kadr onvif` CLI. The device is the recorded camera of the
 * `onvif` package's tests (test/harness/onvif-device-server.ts): the camera's URL must be the stream
 * URI that device answered, its credentials sealed like any camera's. Discovery over the API is run
 * on the loopback interface only (the wsdd tests in ws-discovery.test.ts cover answers).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../api/support/database.js';
import { kadrEnv, startKadr, type KadrProcess } from '../api/support/kadr-process.js';
import { startOnvifDeviceServer, type OnvifDeviceServer } from '../../harness/onvif-device-server.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const token = randomBytes(24).toString('hex');
// Distinctive, so that finding it in the table means it was stored in clear.
const USER = 'onvif-admin';
const PASSWORD = 'onvif-Pw-7Qz!';
// GetStreamUri.xml's answer, its recorded address moved to loopback by the test device.
const STREAM_URI = 'rtsp://127.0.0.1/h264main';

let tdb: TestDatabase;
let dataDir: string;
let kadr: KadrProcess;
let device: OnvifDeviceServer;

async function call(method: string, url: string, body?: unknown) {
  const res = await fetch(`${kadr.url}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, text, json: JSON.parse(text) as any };
}

/** The real CLI, asynchronously: the test device answers from this process meanwhile. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const run = promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'src/cli/bin.ts'), 'onvif', ...args, '--server', kadr.url],
    { cwd: ROOT, env: kadrEnv({ KADR_TOKEN: token }) },
  );
  return run.then(
    (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
  );
}

before(async () => {
  device = await startOnvifDeviceServer({ user: USER, password: PASSWORD });
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-onvif-'));
  await chmod(dataDir, 0o755);
  kadr = await startKadr(
    ['serve', '--port', '0', '--data', dataDir, '--concurrency', '0'],
    kadrEnv({
      DATABASE_URL: tdb.url,
      KADR_API_TOKEN: token,
      KADR_SECRET_KEY: randomBytes(32).toString('base64'),
      KADR_LOG_LEVEL: 'debug',
    }),
  );
});

after(async () => {
  await kadr?.stop();
  await tdb?.drop();
  await device?.close();
  await rm(dataDir, { recursive: true, force: true });
});

test('wrong credentials: 422 KADR_ERR_UNAUTHORIZED with a hint, and no camera', async () => {
  const res = await call('POST', '/api/onvif/cameras', {
    name: 'gate-onvif',
    xaddr: device.xaddr,
    user: USER,
    password: 'not-it',
  });
  assert.equal(res.status, 422, res.text);
  assert.equal(res.json.error.code, 'KADR_ERR_UNAUTHORIZED');
  assert.match(res.json.error.hint, /ONVIF user/);
  assert.deepEqual((await call('GET', '/api/cameras')).json.items, []);
});

test('kadr onvif device shows the profiles; kadr onvif add makes a camera of the stream URI', async () => {
  const shown = await cli(['device', device.xaddr, '--user', USER, '--password', PASSWORD]);
  assert.equal(shown.code, 0, shown.err);
  assert.match(shown.out, /^Mockup Manufacturer Mockup Model, firmware Mockup_15_14_13, serial 00000000$/m);
  assert.match(shown.out, /^main\s+main\s+H264\s+1920x1080\s+5\s+rtsp:\/\/127\.0\.0\.1\/h264main$/m);

  const added = await cli([
    'add',
    'gate-onvif',
    device.xaddr,
    '--user',
    USER,
    '--password',
    PASSWORD,
    '--on-demand',
    '--json',
  ]);
  assert.equal(added.code, 0, added.err);
  const { camera, device: from } = JSON.parse(added.out);
  assert.equal(camera.name, 'gate-onvif');
  assert.equal(camera.url, STREAM_URI);
  assert.equal(camera.hasCredentials, true);
  assert.equal(camera.onDemand, true);
  assert.equal(from.profile.token, 'main');
  assert.equal(from.profile.streamUri, STREAM_URI);
  assert.equal(from.info.model, 'Mockup Model');

  const stored = await call('GET', `/api/cameras/${camera.id}`);
  assert.equal(stored.status, 200);
  assert.equal(stored.json.url, STREAM_URI);
  assert.ok(!stored.text.includes(PASSWORD));
  const db = new pg.Client({ connectionString: tdb.url });
  await db.connect();
  try {
    const { rows } = await db.query<{ url: string; credentials: Buffer }>(
      'SELECT url, credentials FROM cameras WHERE id = $1',
      [camera.id],
    );
    assert.equal(rows[0]!.url, STREAM_URI);
    assert.ok(rows[0]!.credentials.length > 0);
    assert.ok(!rows[0]!.credentials.includes(Buffer.from(PASSWORD)), 'the password is in the table in clear');
  } finally {
    await db.end();
  }
  assert.ok(!kadr.stderr().includes(PASSWORD), 'the password is in the log');

  // The same name again: the registry's conflict, after the device was asked.
  const again = await call('POST', '/api/onvif/cameras', {
    name: 'gate-onvif',
    xaddr: device.xaddr,
    user: USER,
    password: PASSWORD,
  });
  assert.equal(again.status, 409, again.text);
  const missing = await call('POST', '/api/onvif/cameras', {
    name: 'gate-2',
    xaddr: device.xaddr,
    user: USER,
    password: PASSWORD,
    profile: 'sub',
  });
  assert.equal(missing.status, 400, missing.text);
  assert.match(missing.json.error.hint, /its profiles: main \(main, H264\)/);
});

test('a device that is not there, and bad input: 4xx, never 5xx', async () => {
  // A port that was just free: nothing listens there.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const closedPort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const cases: [unknown, number, string][] = [
    [
      { name: 'x', xaddr: `http://127.0.0.1:${closedPort}/onvif/device_service` },
      422,
      'KADR_ERR_ONVIF_UNREACHABLE',
    ],
    [{ name: 'x', xaddr: 'not a url' }, 400, 'KADR_ERR_VALIDATION'],
    [{ name: 'x', xaddr: 'rtsp://127.0.0.1/' }, 400, 'KADR_ERR_VALIDATION'],
    [{ name: '../x', xaddr: device.xaddr }, 400, 'KADR_ERR_VALIDATION'],
    [{ name: 'x', xaddr: device.xaddr, timeoutMs: 5 }, 400, 'KADR_ERR_VALIDATION'],
    [{ name: 'x', xaddr: device.xaddr, extra: 1 }, 400, 'KADR_ERR_VALIDATION'],
  ];
  for (const [body, status, code] of cases) {
    const res = await call('POST', '/api/onvif/cameras', body);
    assert.equal(res.status, status, `${JSON.stringify(body)}: ${res.text}`);
    assert.equal(res.json.error.code, code, JSON.stringify(body));
  }
});

test('discovery over the API and the CLI: loopback only, an empty list at the timeout; bad options refused', async () => {
  const started = performance.now();
  const res = await call('POST', '/api/onvif/discover', { bind: '127.0.0.1', timeoutMs: 300 });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json, { items: [] });
  assert.ok(performance.now() - started >= 300);
  for (const body of [
    { bind: 'no-such-if0' },
    { bind: '127.0.0.1', timeoutMs: 10 },
    { bind: '127.0.0.1', x: 1 },
  ]) {
    const bad = await call('POST', '/api/onvif/discover', body);
    assert.equal(bad.status, 400, `${JSON.stringify(body)}: ${bad.text}`);
    assert.equal(bad.json.error.code, 'KADR_ERR_VALIDATION');
  }
  // Discovery tells about the server's network: the API token guards it like every route.
  const anonymous = await fetch(`${kadr.url}/api/onvif/discover`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ bind: '127.0.0.1', timeoutMs: 100 }),
  });
  assert.equal(anonymous.status, 401);
  const doc = (await call('GET', '/api/openapi.json')).json as { paths: Record<string, { post?: unknown }> };
  for (const p of ['/api/onvif/discover', '/api/onvif/device', '/api/onvif/cameras']) {
    assert.ok(doc.paths[p]?.post, `${p} is documented`);
  }
  const found = await cli(['discover', '--interface', 'lo', '--timeout', '300']);
  assert.equal(found.code, 0, found.err);
  assert.equal(found.out, 'no device answered\n');
  const usage = await cli(['discover', '--timeout', 'soon']);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /--timeout must be a whole number/);
});
