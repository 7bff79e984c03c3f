/**
 * ONVIF from discovery to a camera, end to end, in network namespaces the test creates
 * (test/harness/lossy-link.ts; nothing is sent on the machine's real network): `kadr serve` and the
 * `kadr onvif` CLI run in the client namespace, with a default route towards the link as a host on
 * a camera network has; in the responders' namespace Debian's wsdd answers (a WS-Discovery responder
 * nobody here wrote) beside the recorded camera of the `onvif` package's tests, its ProbeMatches
 * (test/harness/ws-discovery-replay.py) and its SOAP answers (test/harness/onvif-device-server.ts)
 * on the link's address.
 *
 * The CLI finds both without being told an interface, as a table and as JSON; the device it found
 * becomes a camera in one step (wrong password first), its URL the stream URI the device answered.
 * Then the web UI, in Chromium started inside the same namespace: the Cameras page's "Find cameras
 * (ONVIF)" lists the camera and wsdd, and adds the camera with the device's user and password (a
 * wrong one first: the device's refusal shows at the password field).
 *
 * PostgreSQL (the test service, on the host's loopback) is reached from the namespace through a
 * Unix socket relayed by this process: sockets on the file system are not bound to a network
 * namespace.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { createLossyLink, lossyLinkUnavailable, type LossyLink } from '../../harness/lossy-link.js';
import { createTestDatabase, type TestDatabase } from '../api/support/database.js';
import { kadrEnv, startKadr, type KadrProcess } from '../api/support/kadr-process.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const REPLAY = path.join(ROOT, 'test/harness/ws-discovery-replay.py');
const DEVICE = path.join(ROOT, 'test/integration/onvif/support/device-server.ts');
const WSDD_HTTP_PORT = 5357; // wsdd's fixed port for its metadata service (its XAddrs point there)
const CAMERA_ENDPOINT = 'uuid:c9790c3a-701b-464d-a189-0060351c8ada'; // in the recorded Probe.xml
const USER = 'onvif-admin';
const PASSWORD = 'onvif-Pw-7Qz!';
const token = randomBytes(24).toString('hex');

function wsddMissing(): string | null {
  try {
    execFileSync('wsdd', ['--version'], { stdio: 'pipe' });
    return null;
  } catch {
    return 'wsdd is not installed (test/harness/apt-packages.txt)';
  }
}

const unavailable = lossyLinkUnavailable() ?? wsddMissing();
const skip = unavailable ?? false;
const wsddUuid = crypto.randomUUID();
let link: LossyLink;
let tmp: string;
let relay: net.Server;
let tdb: TestDatabase;
let kadr: KadrProcess;
let xaddr: string;
let ns: string;
let serverAddress: string;
/** The XAddr the CLI's discovery printed (its JSON), which the one-step add then uses. */
let discoveredXaddr: string | undefined;

/** Starts a process in the responders' namespace and waits for the line that says it is ready. */
async function startResponder(command: string, args: string[], ready: RegExp): Promise<string> {
  const child: ChildProcess = link.spawn(link.serverNs, command, args, {
    cwd: ROOT,
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  let all = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} not ready:\n${all}`)), 15_000);
    const onData = (d: Buffer) => {
      all += d.toString();
      const m = ready.exec(all);
      if (m) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(m[0]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${command} exited (${code}):\n${all}`)));
  });
}

/** `kadr onvif ...` run inside the client namespace, as a person on that host runs it. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const command = [process.execPath, '--import', 'tsx', path.join(ROOT, 'src/cli/bin.ts'), 'onvif'];
  const run = promisify(execFile)('ip', ['netns', 'exec', ns, ...command, ...args, '--server', kadr.url], {
    cwd: ROOT,
    env: kadrEnv({ KADR_TOKEN: token }),
  });
  return run.then(
    (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
  );
}

/** The test PostgreSQL's URL as seen through a Unix socket in `dir` that this process relays to it. */
async function relayPostgres(url: string, dir: string): Promise<string> {
  const target = new URL(url);
  const port = Number(target.port || 5432);
  relay = net.createServer((client) => {
    const upstream = net.connect(port, target.hostname);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  // libpq's and node-postgres' rule: host=<directory> means <directory>/.s.PGSQL.<port>.
  await new Promise<void>((resolve) => relay.listen(path.join(dir, `.s.PGSQL.${port}`), resolve));
  const viaSocket = new URL(url);
  viaSocket.hostname = 'localhost';
  viaSocket.searchParams.set('host', dir);
  return viaSocket.toString();
}

before(async () => {
  if (unavailable) return;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'kadr-onvif-netns-'));
  await chmod(tmp, 0o755);
  link = createLossyLink(1);
  const c0 = link.clients[0]!;
  ns = c0.ns;
  serverAddress = c0.serverAddress;
  // A host on a camera network has a default route: discovery then needs no interface named.
  link.exec(ns, 'ip', ['route', 'add', 'default', 'via', serverAddress]);
  xaddr = await startResponder(
    process.execPath,
    ['--import', 'tsx', DEVICE, '--host', serverAddress, '--user', USER, '--password', PASSWORD],
    /^http:\S+/m,
  );
  await startResponder(
    'wsdd',
    ['-4', '-v', '-i', serverAddress, '-U', wsddUuid, '-n', 'wsdd-peer'],
    /joined multicast group/,
  );
  await startResponder('/usr/bin/python3', [REPLAY, serverAddress, xaddr], /^ready$/m);
  tdb = await createTestDatabase();
  const socketDir = path.join(tmp, 'pg');
  await mkdir(socketDir);
  kadr = await startKadr(
    ['serve', '--port', '0', '--data', path.join(tmp, 'data'), '--concurrency', '0', '--rtsp-port', '0'],
    kadrEnv({
      DATABASE_URL: await relayPostgres(tdb.url, socketDir),
      KADR_API_TOKEN: token,
      KADR_SECRET_KEY: randomBytes(32).toString('base64'),
    }),
    undefined,
    undefined,
    ns,
  );
});

after(async () => {
  await kadr?.stop();
  await new Promise((resolve) => (relay ? relay.close(resolve) : resolve(undefined)));
  await tdb?.drop();
  link?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test(
  'kadr onvif discover, in the namespace with no interface named: the camera (ONVIF, first) and wsdd, as a table and as JSON',
  { skip },
  async () => {
    const human = await cli(['discover', '--timeout', '1000']);
    assert.equal(human.code, 0, human.err);
    const lines = human.out.trimEnd().split('\n');
    assert.equal(lines.length, 3, human.out);
    assert.match(lines[0]!, /^KIND\s+XADDR\s+FROM\s+ENDPOINT$/);
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(
      lines[1]!,
      new RegExp(`^onvif\\s+${esc(xaddr)}\\s+${esc(serverAddress)}\\s+${CAMERA_ENDPOINT}$`),
    );
    assert.match(
      lines[2]!,
      new RegExp(
        `^other\\s+http://${esc(serverAddress)}:${WSDD_HTTP_PORT}/${wsddUuid}\\s+${esc(serverAddress)}\\s+urn:uuid:${wsddUuid}$`,
      ),
    );

    const json = await cli(['discover', '--timeout', '1000', '--json', '--onvif-only']);
    assert.equal(json.code, 0, json.err);
    const items = JSON.parse(json.out) as {
      endpoint: string;
      onvif: boolean;
      xaddrs: string[];
      from: string;
    }[];
    assert.deepEqual(
      items.map((d) => [d.endpoint, d.onvif, d.xaddrs, d.from]),
      [[CAMERA_ENDPOINT, true, [xaddr], serverAddress]],
    );
    discoveredXaddr = items[0]!.xaddrs[0];
  },
);

test(
  'discover, then add the device found: a wrong password is refused, the right one makes a camera of its stream URI',
  { skip },
  async () => {
    assert.ok(discoveredXaddr, 'discovery found the device (the test before)');
    const foundXaddr = discoveredXaddr;

    const refused = await cli(['add', 'door', foundXaddr, '--user', USER, '--password', 'not-it']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.err, /refused the user name or password/);

    const added = await cli([
      'add',
      'door',
      foundXaddr,
      '--user',
      USER,
      '--password',
      PASSWORD,
      '--on-demand',
    ]);
    assert.equal(added.code, 0, added.err);
    assert.match(added.out, /^added camera door \(/m);
    // The recorded GetStreamUri answer, its address that of the device on the link.
    assert.match(
      added.out,
      new RegExp(`^source\\s+rtsp://${serverAddress.replaceAll('.', '\\.')}/h264main$`, 'm'),
    );
    assert.match(added.out, /^device\s+Mockup Manufacturer Mockup Model, firmware Mockup_15_14_13/m);
    assert.ok(!kadr.stderr().includes(PASSWORD), 'the password is in the log');
  },
);
