/**
 * The camera registry against a real `kadr serve` and a real PostgreSQL: CRUD, validation (never a
 * 5xx), duplicate names, credentials (in no answer, in no log line, not in clear in the table),
 * the key (a wrong one, a missing one with an external database, an invalid one), recording on /
 * off, /metrics, and the `kadr camera` CLI round trip.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { kadrEnv, startKadr, type KadrProcess } from './support/kadr-process.js';
import { freePort } from '../recorder/rtsp-source.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const token = randomBytes(24).toString('hex');
const keyA = randomBytes(32).toString('base64');
/** kadr's RTSP port: a fixed one, since the camera JSON's rtspUrl is checked against it; free when picked. */
let rtspPort: number;
// Distinctive, so that finding them anywhere means they leaked.
const USER = 'camuser-q7Zx';
const PASSWORD = 'pw-Hk3#9vQ:rT';
const URL_USER = 'urluser-M4pd';
const URL_PASSWORD = 'urlpw-W8nc';

let tdb: TestDatabase;
let dataDir: string;
let kadr: KadrProcess;
const cleanups: (() => Promise<unknown>)[] = [];

interface CameraJson {
  id: string;
  name: string;
  url: string;
  hasCredentials: boolean;
  transport: 'tcp' | 'udp';
  onDemand: boolean;
  record: boolean;
  recording: boolean;
  retention: { maxAgeHours: number | null; maxBytes: number | null };
  state: string;
  lastError: string | null;
  health: {
    fps: number | null;
    bitrateBps: number | null;
    lastFrameAt: string | null;
    reconnects: number;
    skippedUnits: number;
  };
  rtspUrl: string;
  error?: { code: string; message: string; hint?: string };
}

/** Every answer's raw text is kept, to check no credential ever appears in one. */
const answers: string[] = [];

async function call(base: string, method: string, url: string, body?: unknown, auth = true) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: {
      ...(auth ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  answers.push(text);
  return {
    status: res.status,
    text,
    type: res.headers.get('content-type'),
    json: (text && res.headers.get('content-type')?.startsWith('application/json')
      ? JSON.parse(text)
      : undefined) as CameraJson,
  };
}

const serve = (db: string, env: Record<string, string | undefined>, data = dataDir, rtsp = rtspPort) =>
  startKadr(
    ['serve', '--port', '0', '--data', data, '--concurrency', '0', '--rtsp-port', String(rtsp)],
    kadrEnv({ DATABASE_URL: db, KADR_API_TOKEN: token, KADR_LOG_LEVEL: 'debug', ...env }),
  );

before(async () => {
  rtspPort = await freePort();
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-cameras-'));
  await chmod(dataDir, 0o755);
  kadr = await serve(tdb.url, { KADR_SECRET_KEY: keyA });
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await kadr?.stop();
  await tdb?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

test('add, list, show, change and remove a camera', async () => {
  const created = await call(kadr.url, 'POST', '/api/cameras', {
    name: 'gate-1',
    url: 'rtsp://127.0.0.10:554/stream1',
  });
  assert.equal(created.status, 201, created.text);
  const cam = created.json;
  assert.match(cam.id, /^[0-9a-f-]{36}$/);
  assert.equal(cam.name, 'gate-1');
  assert.equal(cam.url, 'rtsp://127.0.0.10:554/stream1');
  assert.equal(cam.hasCredentials, false);
  assert.equal(cam.transport, 'tcp');
  assert.equal(cam.onDemand, false);
  assert.equal(cam.recording, false);
  assert.deepEqual(cam.retention, { maxAgeHours: null, maxBytes: null });
  // Always on: kadr connects at once; nothing listens at that loopback address, so the camera is
  // connecting or already failed (and retried), never idle.
  assert.ok(['connecting', 'failed'].includes(cam.state), cam.state);
  assert.deepEqual(cam.health, {
    fps: null,
    bitrateBps: null,
    lastFrameAt: null,
    reconnects: 0,
    skippedUnits: 0,
  });
  assert.equal(cam.rtspUrl, `rtsp://127.0.0.1:${rtspPort}/gate-1`);

  const list = await call(kadr.url, 'GET', '/api/cameras');
  assert.equal(list.status, 200);
  assert.ok((list.json as unknown as { items: CameraJson[] }).items.some((c) => c.id === cam.id));
  const shown = await call(kadr.url, 'GET', `/api/cameras/${cam.id}`);
  // The live fields move on between two reads (connecting, then failed and retried); the rest not.
  const stable = (c: CameraJson) => ({ ...c, state: undefined, lastError: undefined, health: undefined });
  assert.deepEqual(stable(shown.json), stable(cam));

  const patched = await call(kadr.url, 'PATCH', `/api/cameras/${cam.id}`, {
    name: 'gate-2',
    transport: 'udp',
    onDemand: true,
    retention: { maxAgeHours: 48, maxBytes: 5_000_000_000 },
  });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.json.name, 'gate-2');
  assert.equal(patched.json.transport, 'udp');
  assert.equal(patched.json.onDemand, true);
  assert.deepEqual(patched.json.retention, { maxAgeHours: 48, maxBytes: 5_000_000_000 });
  assert.equal(patched.json.rtspUrl, `rtsp://127.0.0.1:${rtspPort}/gate-2`);
  const cleared = await call(kadr.url, 'PATCH', `/api/cameras/${cam.id}`, { retention: { maxBytes: null } });
  assert.deepEqual(cleared.json.retention, { maxAgeHours: 48, maxBytes: null });

  assert.equal((await call(kadr.url, 'DELETE', `/api/cameras/${cam.id}`)).status, 204);
  assert.equal((await call(kadr.url, 'GET', `/api/cameras/${cam.id}`)).status, 404);
  assert.equal((await call(kadr.url, 'DELETE', `/api/cameras/${cam.id}`)).status, 404);
  assert.equal((await call(kadr.url, 'PATCH', `/api/cameras/${cam.id}`, { onDemand: false })).status, 404);
});

test('invalid input is a 400 with a code, never a 5xx', async () => {
  const ok = { name: 'cam-valid', url: 'rtsp://127.0.0.11/x' };
  const cases: [string, unknown][] = [
    ['name with a slash', { ...ok, name: 'a/b' }],
    ['name starting with a dot', { ...ok, name: '.hidden' }],
    ['name too long', { ...ok, name: 'a'.repeat(65) }],
    ['empty name', { ...ok, name: '' }],
    ['http url', { ...ok, url: 'http://127.0.0.11/mjpeg' }],
    ['not a url', { ...ok, url: 'camera one' }],
    ['url without host', { ...ok, url: 'rtsp:///x' }],
    ['unknown field', { ...ok, colour: 'red' }],
    ['bad transport', { ...ok, transport: 'sctp' }],
    ['record not a boolean', { ...ok, record: 'sometimes' }],
    ['password without user', { ...ok, password: 'x' }],
    ['user with a colon', { ...ok, user: 'a:b', password: 'x' }],
    ['credentials twice', { ...ok, url: 'rtsp://u:p@127.0.0.11/x', user: 'u', password: 'p' }],
    ['negative retention', { ...ok, retention: { maxAgeHours: -1 } }],
    ['fractional bytes', { ...ok, retention: { maxBytes: 1.5 } }],
    ['unknown retention field', { ...ok, retention: { days: 3 } }],
    ['missing url', { name: 'cam-valid' }],
    ['not an object', [1, 2]],
    ['malformed JSON', '{"name": '],
    ['prototype key', '{"name":"x","url":"rtsp://h/x","__proto__":{"a":1}}'],
  ];
  for (const [what, body] of cases) {
    const res = await call(kadr.url, 'POST', '/api/cameras', body);
    assert.equal(res.status, 400, `${what}: ${res.text}`);
    assert.match(res.json.error!.code, /^KADR_ERR_/, what);
  }
  assert.equal((await call(kadr.url, 'GET', '/api/cameras/not-a-uuid')).status, 400);
  assert.equal(
    (await call(kadr.url, 'GET', '/api/cameras/00000000-0000-4000-8000-000000000000')).status,
    404,
  );
  assert.equal((await call(kadr.url, 'POST', '/api/cameras/not-a-uuid/recording/start')).status, 400);
  const list = await call(kadr.url, 'GET', '/api/cameras');
  assert.ok(!(list.json as unknown as { items: CameraJson[] }).items.some((c) => c.name === 'cam-valid'));
});

test('a duplicate name is a 409, on add and on rename', async () => {
  const a = await call(kadr.url, 'POST', '/api/cameras', { name: 'dup-a', url: 'rtsp://127.0.0.20/a' });
  const b = await call(kadr.url, 'POST', '/api/cameras', { name: 'dup-b', url: 'rtsp://127.0.0.20/b' });
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  const again = await call(kadr.url, 'POST', '/api/cameras', { name: 'dup-a', url: 'rtsp://127.0.0.20/c' });
  assert.equal(again.status, 409);
  assert.equal(again.json.error!.code, 'KADR_ERR_CONFLICT');
  const rename = await call(kadr.url, 'PATCH', `/api/cameras/${b.json.id}`, { name: 'dup-a' });
  assert.equal(rename.status, 409);
  assert.equal((await call(kadr.url, 'GET', `/api/cameras/${b.json.id}`)).json.name, 'dup-b');
});

test('credentials: split from the URL, encrypted in the table, in no answer and no log line', async () => {
  const fromUrl = await call(kadr.url, 'POST', '/api/cameras', {
    name: 'cred-url',
    url: `rtsp://${URL_USER}:${encodeURIComponent(URL_PASSWORD)}@127.0.0.30:554/live?channel=1`,
  });
  assert.equal(fromUrl.status, 201, fromUrl.text);
  assert.equal(fromUrl.json.hasCredentials, true);
  assert.equal(fromUrl.json.url, 'rtsp://127.0.0.30:554/live?channel=1');
  const separate = await call(kadr.url, 'POST', '/api/cameras', {
    name: 'cred-fields',
    url: 'rtsp://127.0.0.31/live',
    user: USER,
    password: PASSWORD,
  });
  assert.equal(separate.status, 201, separate.text);
  assert.equal(separate.json.hasCredentials, true);
  // A URL without credentials keeps the stored ones; user null removes them.
  const moved = await call(kadr.url, 'PATCH', `/api/cameras/${separate.json.id}`, {
    url: 'rtsp://127.0.0.32/live',
  });
  assert.equal(moved.json.hasCredentials, true);
  const pwOnly = await call(kadr.url, 'PATCH', `/api/cameras/${separate.json.id}`, {
    password: `${PASSWORD}-2`,
  });
  assert.equal(pwOnly.status, 200, pwOnly.text);
  await call(kadr.url, 'GET', '/api/cameras');
  await call(kadr.url, 'GET', `/api/cameras/${fromUrl.json.id}`);
  await call(kadr.url, 'GET', '/metrics');

  const db = new pg.Client({ connectionString: tdb.url });
  await db.connect();
  try {
    const rows = (await db.query<{ row: string }>('SELECT cameras::text AS row FROM cameras')).rows.map(
      (r) => r.row,
    );
    const dump = rows.join('\n');
    assert.ok(rows.length >= 2);
    const bytes = (
      await db.query<{ credentials: Buffer }>('SELECT credentials FROM cameras WHERE credentials IS NOT NULL')
    ).rows;
    assert.equal(bytes.length, 2);
    for (const secret of [USER, PASSWORD, URL_USER, URL_PASSWORD]) {
      assert.ok(!dump.includes(secret), `${secret} in the table as text`);
      assert.ok(!dump.includes(Buffer.from(secret).toString('hex')), `${secret} in the table as bytes`);
      for (const b of bytes)
        assert.ok(!b.credentials.includes(Buffer.from(secret)), `${secret} in credentials`);
    }
  } finally {
    await db.end();
  }

  const removed = await call(kadr.url, 'PATCH', `/api/cameras/${separate.json.id}`, { user: null });
  assert.equal(removed.json.hasCredentials, false);

  for (const secret of [USER, PASSWORD, URL_USER, URL_PASSWORD, encodeURIComponent(URL_PASSWORD)]) {
    assert.ok(!answers.some((a) => a.includes(secret)), `${secret} in an API answer`);
    assert.ok(!kadr.stderr().includes(secret), `${secret} in the log`);
  }
  // The log does say what happened (debug level: the check above read real log lines).
  assert.match(kadr.stderr(), /camera added/);
});

test('recording start and stop set the flag, kept across reads', async () => {
  const cam = (await call(kadr.url, 'POST', '/api/cameras', { name: 'rec-1', url: 'rtsp://127.0.0.40/x' }))
    .json;
  assert.equal(cam.recording, false);
  const started = await call(kadr.url, 'POST', `/api/cameras/${cam.id}/recording/start`);
  assert.equal(started.status, 200, started.text);
  assert.equal(started.json.recording, true);
  assert.equal((await call(kadr.url, 'GET', `/api/cameras/${cam.id}`)).json.recording, true);
  const stopped = await call(kadr.url, 'POST', `/api/cameras/${cam.id}/recording/stop`);
  assert.equal(stopped.json.recording, false);
  assert.equal((await call(kadr.url, 'GET', `/api/cameras/${cam.id}`)).json.recording, false);
  const created = await call(kadr.url, 'POST', '/api/cameras', {
    name: 'rec-2',
    url: 'rtsp://127.0.0.41/x',
    record: true,
  });
  assert.equal(created.json.recording, true);
  assert.equal(
    (await call(kadr.url, 'POST', '/api/cameras/00000000-0000-4000-8000-000000000000/recording/stop')).status,
    404,
  );
});

test('/metrics: Prometheus text with the camera count and one up line per camera, behind the token', async () => {
  assert.equal((await call(kadr.url, 'GET', '/metrics', undefined, false)).status, 401);
  const res = await call(kadr.url, 'GET', '/metrics');
  assert.equal(res.status, 200);
  assert.match(res.type ?? '', /^text\/plain; version=0\.0\.4/);
  const list = (await call(kadr.url, 'GET', '/api/cameras')).json as unknown as { items: CameraJson[] };
  const lines = res.text.trimEnd().split('\n');
  assert.ok(lines.includes('# TYPE kadr_cameras gauge'));
  assert.ok(lines.includes(`kadr_cameras ${list.items.length}`), res.text);
  for (const c of list.items)
    assert.ok(lines.includes(`kadr_camera_up{id="${c.id}",name="${c.name}"} 0`), c.name);
  // Every sample line is `name{labels} value` (the text format's grammar, simplified).
  for (const l of lines.filter((x) => !x.startsWith('#')))
    assert.match(l, /^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?\d+(\.\d+)?(e[+-]?\d+)?$/);
  const doc = (await call(kadr.url, 'GET', '/api/openapi.json')).json as unknown as {
    paths: Record<string, unknown>;
  };
  for (const p of ['/api/cameras', '/api/cameras/{id}', '/api/cameras/{id}/recording/start', '/metrics'])
    assert.ok(doc.paths[p], p);
});

function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const res = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'src/cli/bin.ts'), 'camera', ...args],
    {
      cwd: ROOT,
      env: kadrEnv({ KADR_TOKEN: token, ...env }),
      encoding: 'utf8',
    },
  );
  return { status: res.status, out: res.stdout, err: res.stderr };
}

test('kadr camera: add, list, show, record-start, record-stop, rm against the server', () => {
  const server = ['--server', kadr.url];
  const add = cli([
    'add',
    'cli-cam',
    'rtsp://127.0.0.50/s',
    '--user',
    USER,
    '--password',
    PASSWORD,
    '--transport',
    'udp',
    '--json',
    ...server,
  ]);
  assert.equal(add.status, 0, add.err);
  const cam = JSON.parse(add.out) as CameraJson;
  assert.equal(cam.name, 'cli-cam');
  assert.equal(cam.transport, 'udp');
  assert.equal(cam.hasCredentials, true);

  const list = cli(['list', ...server]);
  assert.equal(list.status, 0, list.err);
  assert.match(list.out, /^NAME\s+STATE\s+RECORDING\s+TRANSPORT\s+RESTREAM\s+ID$/m);
  assert.match(
    list.out,
    new RegExp(
      `^cli-cam\\s+\\S+\\s+no\\s+udp\\s+rtsp://127\\.0\\.0\\.1:${rtspPort}/cli-cam\\s+${cam.id}$`,
      'm',
    ),
  );
  const listJson = JSON.parse(cli(['list', '--json', ...server]).out) as CameraJson[];
  assert.ok(listJson.some((c) => c.id === cam.id));

  const show = cli(['show', 'cli-cam', ...server]);
  assert.equal(show.status, 0, show.err);
  assert.match(show.out, /^source\s+rtsp:\/\/127\.0\.0\.50\/s \(with credentials\)$/m);
  assert.ok(!show.out.includes(PASSWORD) && !show.out.includes(USER));

  assert.match(cli(['record-start', cam.id, ...server]).out, /cli-cam: recording on/);
  assert.equal((JSON.parse(cli(['show', cam.id, '--json', ...server]).out) as CameraJson).recording, true);
  assert.match(cli(['record-stop', 'cli-cam', ...server]).out, /cli-cam: recording off/);

  const dup = cli(['add', 'cli-cam', 'rtsp://127.0.0.50/s', ...server]);
  assert.equal(dup.status, 2);
  assert.match(dup.err, /^kadr camera: 409: a camera named 'cli-cam' already exists/);
  assert.equal(dup.err.trim().split('\n').length, 1, dup.err);

  const rmd = cli(['rm', 'cli-cam', ...server]);
  assert.equal(rmd.status, 0, rmd.err);
  const gone = cli(['show', 'cli-cam', ...server]);
  assert.equal(gone.status, 2);
  assert.match(gone.err, /no camera named 'cli-cam'/);

  for (const usage of [
    ['frobnicate'],
    ['add', 'only-name'],
    ['add', 'x', 'rtsp://h/x', '--transport', 'quic'],
    [],
  ]) {
    const r = cli([...usage, ...server]);
    assert.equal(r.status, 2, `${usage.join(' ')}: ${r.err}`);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
  const noToken = cli(['list', ...server], { KADR_TOKEN: undefined });
  assert.equal(noToken.status, 2);
  assert.match(noToken.err, /401.*KADR_TOKEN/);
  const down = cli(['list', '--server', 'http://127.0.0.1:9']);
  assert.equal(down.status, 1);
  assert.match(down.err, /cannot reach http:\/\/127\.0\.0\.1:9/);
});

test('a wrong KADR_SECRET_KEY: the camera reads failed with why; giving the credentials again fixes it', async () => {
  const withCreds = await call(kadr.url, 'POST', '/api/cameras', {
    name: 'key-cam',
    url: `rtsp://${URL_USER}:${URL_PASSWORD}@127.0.0.60/x`,
  });
  const plain = await call(kadr.url, 'POST', '/api/cameras', {
    name: 'key-plain',
    url: 'rtsp://127.0.0.61/x',
  });
  assert.equal(withCreds.status, 201);
  await kadr.stop();
  kadr = await serve(tdb.url, { KADR_SECRET_KEY: randomBytes(32).toString('hex') });
  const failed = await call(kadr.url, 'GET', `/api/cameras/${withCreds.json.id}`);
  assert.equal(failed.json.state, 'failed');
  assert.match(failed.json.lastError ?? '', /cannot be decrypted.*KADR_SECRET_KEY/);
  const other = (await call(kadr.url, 'GET', `/api/cameras/${plain.json.id}`)).json;
  assert.doesNotMatch(other.lastError ?? '', /KADR_SECRET_KEY/, 'a camera without credentials is unaffected');
  // The password alone needs the old user, which does not open: 422, not a 5xx.
  const pwOnly = await call(kadr.url, 'PATCH', `/api/cameras/${withCreds.json.id}`, { password: 'x' });
  assert.equal(pwOnly.status, 422, pwOnly.text);
  assert.equal(pwOnly.json.error!.code, 'KADR_ERR_CONFIG');
  const fixed = await call(kadr.url, 'PATCH', `/api/cameras/${withCreds.json.id}`, {
    user: USER,
    password: PASSWORD,
  });
  assert.equal(fixed.status, 200, fixed.text);
  assert.doesNotMatch(fixed.json.lastError ?? '', /decrypted|KADR_SECRET_KEY/);
  assert.ok(!kadr.stderr().includes(URL_PASSWORD) && !kadr.stderr().includes(PASSWORD));
});

test('an external database without KADR_SECRET_KEY: credentials refused (422, names the variable), plain cameras work', async () => {
  const other = await createTestDatabase();
  cleanups.push(() => other.drop());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kadr-cameras-nokey-'));
  await chmod(dir, 0o755);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  // A second server while the first runs: its own RTSP port.
  const nokey = await serve(other.url, { KADR_SECRET_KEY: undefined }, dir, await freePort());
  cleanups.push(() => nokey.stop());
  const refused = await call(nokey.url, 'POST', '/api/cameras', {
    name: 'c1',
    url: 'rtsp://u:p@127.0.0.70/x',
  });
  assert.equal(refused.status, 422, refused.text);
  assert.equal(refused.json.error!.code, 'KADR_ERR_CONFIG');
  assert.match(refused.json.error!.hint ?? '', /KADR_SECRET_KEY/);
  assert.equal((await call(nokey.url, 'GET', '/api/cameras')).text, '{"items":[]}');
  const plain = await call(nokey.url, 'POST', '/api/cameras', { name: 'c1', url: 'rtsp://127.0.0.70/x' });
  assert.equal(plain.status, 201, plain.text);
});

test('an invalid KADR_SECRET_KEY stops kadr serve with one line naming it', () => {
  const res = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'src/cli/bin.ts'),
      'serve',
      '--port',
      '0',
      '--data',
      dataDir,
      '--concurrency',
      '0',
    ],
    {
      cwd: ROOT,
      env: kadrEnv({ DATABASE_URL: tdb.url, KADR_SECRET_KEY: 'short-and-secret' }),
      encoding: 'utf8',
    },
  );
  assert.equal(res.status, 2);
  assert.match(res.stderr, /KADR_SECRET_KEY/);
  assert.ok(!res.stderr.includes('short-and-secret'));
  assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
});
