/**
 * docker-compose.yml and the Dockerfile, checked without Docker (no image can be built where the tests
 * run): the compose file parses (PyYAML, a parser nobody here wrote), names only settings kadr reads
 * (every KADR_* / S3_* / DATABASE_URL is one src/config reads), wires the API and the workers to the
 * same PostgreSQL and S3 server it starts; and the image's start commands work outside Docker: the
 * Dockerfile's ENV plus a service's environment (its hosts replaced by the test's PostgreSQL and S3
 * server) and the service's command line start `kadr serve` and `kadr worker`, the Dockerfile's
 * HEALTHCHECK command passes against the API, and the API asks for the token it was given.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { startKadr, type KadrProcess } from './support/kadr-process.js';

const root = path.resolve(import.meta.dirname, '../../..');

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
}
const compose = JSON.parse(
  execFileSync(
    'python3',
    [
      '-c',
      'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))',
      'docker-compose.yml',
    ],
    { cwd: root, encoding: 'utf8' },
  ),
) as { services: Record<string, Service> };
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

/** Every setting src/config reads from the environment, by name. */
function settingsKadrReads(): Set<string> {
  const dir = path.join(root, 'src/config');
  const names = new Set<string>();
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    for (const m of readFileSync(path.join(dir, f), 'utf8').matchAll(
      /\b(KADR_[A-Z0-9_]+|S3_[A-Z_]+|DATABASE_URL)\b/g,
    ))
      if (!m[1]!.startsWith('KADR_ERR_')) names.add(m[1]!);
  }
  return names;
}

/** The Dockerfile's runtime ENV as name → value. */
function dockerfileEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of runtimeStage.split('\n').filter((l) => l.startsWith('ENV '))) {
    for (const m of line.matchAll(/([A-Z0-9_]+)=(\S+)/g)) env[m[1]!] = m[2]!;
  }
  return env;
}

/** Compose's interpolation (`${X}`, `${X:-default}`, `${X:?message}`) with the given variables. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g,
    (_all, name: string, op?: string, arg?: string) => {
      const v = vars[name];
      if (v !== undefined && v !== '') return v;
      if (op === '-') return arg ?? '';
      throw new Error(`compose needs ${name}: ${arg ?? ''}`);
    },
  );
}

const kadrServices = ['kadr-api', 'kadr-worker'] as const;

test('the compose file starts kadr-api, kadr-worker, PostgreSQL and MinIO, with only settings kadr reads', () => {
  const s = compose.services;
  assert.deepEqual(Object.keys(s).sort(), ['kadr-api', 'kadr-worker', 'minio', 'postgres']);
  assert.deepEqual(s['kadr-api']!.command?.slice(0, 1), ['serve']);
  assert.deepEqual(s['kadr-worker']!.command, ['worker']);
  const reads = settingsKadrReads();
  const named = [
    ...kadrServices.flatMap((n) => Object.keys(s[n]!.environment ?? {})),
    ...Object.keys(dockerfileEnv()),
  ];
  const unknown = named.filter((k) => /^(KADR_|S3_|DATABASE_URL)/.test(k) && !reads.has(k));
  assert.deepEqual(
    unknown,
    [],
    'settings named in docker-compose.yml / Dockerfile that src/config never reads',
  );
  const notKadr = named.filter((k) => !/^(KADR_|S3_|DATABASE_URL$|NODE_ENV$)/.test(k));
  assert.deepEqual(notKadr, []);
  for (const name of kadrServices) {
    const env = s[name]!.environment!;
    assert.equal(new URL(interpolate(env.DATABASE_URL!, { POSTGRES_PASSWORD: 'p' })).host, 'postgres:5432');
    assert.equal(new URL(env.S3_ENDPOINT!).host, 'minio:9000');
    assert.equal(s[name]!.image, s['kadr-api']!.image);
  }
  // The database and the S3 server are the ones compose starts, with the same credentials.
  const pgEnv = s.postgres!.environment!;
  const url = new URL(interpolate(s['kadr-api']!.environment!.DATABASE_URL!, { POSTGRES_PASSWORD: 'p' }));
  assert.equal(url.username, pgEnv.POSTGRES_USER);
  assert.equal(url.pathname, `/${pgEnv.POSTGRES_DB}`);
  assert.match(pgEnv.POSTGRES_PASSWORD!, /POSTGRES_PASSWORD/);
  assert.equal(s.minio!.environment!.MINIO_ROOT_USER, s['kadr-api']!.environment!.S3_ACCESS_KEY);
  assert.equal(s.minio!.environment!.MINIO_ROOT_PASSWORD, s['kadr-api']!.environment!.S3_SECRET_KEY);
  assert.match(s.minio!.command!.join(' '), /^server \/data/);
  // Every secret is required, none has a default written here.
  for (const k of ['KADR_API_TOKEN', 'KADR_SECRET_KEY', 'S3_SECRET_KEY'])
    assert.match(s['kadr-api']!.environment![k]!, new RegExp(`^\\$\\{${k}:\\?`));
});

test('the Dockerfile runs kadr as a non-root user, with the models, the built code and a health check', () => {
  assert.match(runtimeStage, /^USER node$/m);
  for (const dir of ['dist', 'models', 'assets', 'bin', 'node_modules'])
    assert.match(runtimeStage, new RegExp(`^COPY --from=build /app/${dir} `, 'm'));
  assert.match(runtimeStage, /^HEALTHCHECK .* CMD node -e /m);
});

test('the Dockerfile, npm start and `npx kadr` run node with the same flags (bin/kadr.js says why)', () => {
  const shebang = readFileSync(path.join(root, 'bin', 'kadr.js'), 'utf8').split('\n')[0]!;
  const m = /^#!\/usr\/bin\/env -S node (.+)$/.exec(shebang);
  assert.ok(m, `bin/kadr.js's first line names node's flags: ${shebang}`);
  const flags = m[1]!.trim().split(/\s+/);
  assert.ok(flags.includes('--initial-old-space-size=128'));
  const entry = /^ENTRYPOINT (\[.*\])$/m.exec(runtimeStage);
  assert.deepEqual(JSON.parse(entry![1]!), ['node', ...flags, 'bin/kadr.js']);
  const scripts = (
    JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  for (const name of ['start', 'demo'])
    assert.ok(
      scripts[name]!.startsWith(`node ${flags.join(' ')} bin/kadr.js `),
      `npm run ${name}: ${scripts[name]}`,
    );
});

let tdb: TestDatabase;
let dataDir: string;
const running: KadrProcess[] = [];
before(async () => {
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-compose-'));
  await chmod(dataDir, 0o755);
});
after(async () => {
  for (const k of running) await k.kill9();
  await tdb?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/** A service's container environment, with this machine's PostgreSQL, S3 server and folders. */
function containerEnv(service: Service, vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dataDir };
  const image = dockerfileEnv();
  for (const [k, v] of Object.entries(image)) env[k] = v.replace(/^\/data/, dataDir);
  for (const [k, v] of Object.entries(service.environment ?? {})) env[k] = interpolate(v, vars);
  // The hosts compose names (postgres, minio) are this test's servers.
  env.DATABASE_URL = tdb.url;
  for (const k of ['S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY']) env[k] = process.env[k];
  env.S3_BUCKET = `kadr-compose-${process.pid}`;
  return env;
}

test('the image start commands, run outside Docker, serve the API (health check passes) and run workers', async () => {
  assert.ok(process.env.S3_ENDPOINT && process.env.KADR_TEST_S3 === '1', 'run through scripts/run-tests.ts');
  const vars = {
    POSTGRES_PASSWORD: 'unused',
    S3_ACCESS_KEY: 'unused',
    S3_SECRET_KEY: 'unused',
    KADR_API_TOKEN: 'compose-test-token-0123456789',
    KADR_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
    KADR_RTSP_USER: 'viewer',
    KADR_RTSP_PASSWORD: 'viewer-password',
  };
  const apiEnv = containerEnv(compose.services['kadr-api']!, vars);
  // A free port instead of the image's 8080 (tests never take fixed ports); the health check reads it.
  apiEnv.KADR_PORT = '0';
  apiEnv.KADR_RTSP_PORT = '0';
  const api = await startKadr(compose.services['kadr-api']!.command!, apiEnv);
  running.push(api);
  const port = new URL(api.url).port;
  // The image listens on every interface (KADR_HOST=0.0.0.0), which kadr allows only with a token.
  const outside = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a?.family === 'IPv4' && !a.internal)?.address;
  if (outside !== undefined) {
    assert.equal((await fetch(`http://${outside}:${port}/api/openapi.json`)).status, 200);
  }

  const health = /CMD (node -e .*)$/m.exec(runtimeStage)![1]!;
  const code = (p: string | undefined) =>
    spawnSync('sh', ['-c', health], { env: { ...apiEnv, KADR_PORT: p }, encoding: 'utf8' }).status;
  assert.equal(code(port), 0, 'HEALTHCHECK passes against the API');
  assert.equal(code('1'), 1, 'HEALTHCHECK fails where nothing answers');

  const videos = `http://127.0.0.1:${port}/api/videos`;
  assert.equal((await fetch(videos)).status, 401);
  const ok = await fetch(videos, { headers: { authorization: `Bearer ${vars.KADR_API_TOKEN}` } });
  assert.equal(ok.status, 200);

  const worker = await startKadr(
    compose.services['kadr-worker']!.command!,
    containerEnv(compose.services['kadr-worker']!, vars),
    /running (\d+) worker/,
  );
  running.push(worker);
  assert.equal(worker.url, '2', 'KADR_CONCURRENCY from KADR_WORKER_CONCURRENCY, default 2');
  assert.equal(await worker.stop(), 0, worker.stderr());
  assert.equal(await api.stop(), 0, api.stderr());
});
