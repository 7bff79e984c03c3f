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
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { chromium, type Page } from 'playwright-core';
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
/** Screenshots of the dialog, kept for a person to look at (the rest of tmp goes). */
let shots: string;
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
  shots = await mkdtemp(path.join(os.tmpdir(), 'kadr-onvif-screenshots-'));
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
  // The UI as `npm run build` builds it (its Vite step), so that the browser sees the current sources.
  await promisify(execFile)(
    path.join(ROOT, 'node_modules/.bin/vite'),
    ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
    { cwd: ROOT },
  );
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
  if (shots) console.error(`ONVIF discovery screenshots: ${shots}`);
});

test(
  'kadr onvif discover, in the namespace with no interface named: the camera (ONVIF, first) and wsdd, as a table and as JSON',
  { skip },
  async () => {
    const human = await cli(['discover', '--timeout', '1500']);
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

/** Serious and critical axe-core violations of the page. */
async function seriousViolations(page: Page): Promise<string[]> {
  const axe = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.addScriptTag({ content: axe });
  const violations = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) })))`,
  )) as { id: string; impact: string; nodes: string[] }[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).join(', ')}`);
}

test(
  'web UI: "Find cameras (ONVIF)" lists the camera and wsdd, and adds the camera with its user and password (a wrong one first: at the field)',
  { skip },
  async () => {
    // Chromium runs in the client namespace too, where kadr's loopback address is: `ip netns exec`
    // execs it, so playwright's pipes to it stay as they are.
    const wrapper = path.join(tmp, 'chromium-in-netns');
    await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} /usr/bin/chromium "$@"\n`, { mode: 0o755 });
    const browser = await chromium.launch({
      executablePath: wrapper,
      args: ['--no-sandbox', '--headless=new'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      const errors: string[] = [];
      page.on('console', (m) => {
        // The browser's own request for a favicon (kadr has none) is not the UI's.
        if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) {
          errors.push(`${m.text()} ${m.location().url}`);
        }
      });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.addInitScript(`sessionStorage.setItem('kadr-token', ${JSON.stringify(token)})`);
      await page.goto(`${kadr.url}/cameras`);
      await page.getByRole('heading', { name: 'door', level: 2 }).waitFor();
      await page.getByRole('button', { name: 'Find cameras (ONVIF)' }).click();
      const dialog = page.getByRole('dialog', { name: 'Find cameras (ONVIF)' });
      await dialog.getByLabel('Wait for answers (seconds)').fill('2');
      await dialog.getByRole('button', { name: 'Search' }).click();
      const devices = dialog.getByRole('list', { name: 'Devices found' }).getByRole('listitem');
      await devices.first().waitFor();
      assert.equal(await devices.count(), 2, await dialog.innerText());
      const camera = await devices.nth(0).innerText();
      assert.match(camera, /PREDATOR HD_PREDATOR/);
      assert.match(camera, /ONVIF camera/);
      assert.ok(camera.includes(xaddr), camera);
      assert.match(await devices.nth(1).innerText(), /not ONVIF/);
      assert.equal(await devices.nth(1).getByRole('button').count(), 0, 'wsdd cannot be added');
      assert.deepEqual(await seriousViolations(page), [], 'discovery dialog at 1280 px');
      await page.screenshot({ path: path.join(shots, 'onvif-discovery-1280.png') });

      await devices
        .nth(0)
        .getByRole('button', { name: /^Add PREDATOR/ })
        .click();
      const name = dialog.getByLabel('Camera name');
      // The add form has the keyboard, the device's own name suggested. Focus moves after the form
      // renders (an effect): waited for, not read at once (a loaded machine renders later).
      await page
        .waitForFunction(`document.activeElement && document.activeElement.id === 'onvif-name'`, null, {
          timeout: 5000,
        })
        .catch(() => {});
      assert.equal(await page.evaluate(`document.activeElement.id`), 'onvif-name');
      assert.equal(await name.inputValue(), 'predator');
      await dialog.getByLabel('Device user').fill(USER);
      await dialog.getByLabel('Device password').fill('not-it');
      await dialog.getByRole('button', { name: 'Add this camera' }).click();
      const passwordError = dialog.locator('#onvif-password-error');
      await passwordError.waitFor();
      assert.match(await passwordError.innerText(), /refused the user name or password/);
      assert.equal(await dialog.getByLabel('Device password').getAttribute('aria-invalid'), 'true');
      await page.setViewportSize({ width: 390, height: 844 });
      assert.deepEqual(await seriousViolations(page), [], 'discovery dialog at 390 px');
      await passwordError.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(shots, 'onvif-discovery-390.png') });

      await dialog.getByLabel('Device password').fill(PASSWORD);
      await dialog.getByLabel('Connect only while watched').check();
      await dialog.getByLabel('Device password').press('Enter');
      await page.getByRole('heading', { name: 'predator', level: 2 }).waitFor();
      assert.equal(await dialog.count(), 0, 'the dialog closed');
      const list = (await page.evaluate(
        `fetch('/api/cameras', { headers: { authorization: 'Bearer ${token}' } }).then((r) => r.json())`,
      )) as { items: { name: string; url: string; hasCredentials: boolean; onDemand: boolean }[] };
      const added = list.items.find((c) => c.name === 'predator');
      assert.deepEqual(
        added && { url: added.url, hasCredentials: added.hasCredentials, onDemand: added.onDemand },
        {
          url: `rtsp://${serverAddress}/h264main`,
          hasCredentials: true,
          onDemand: true,
        },
      );
      // The browser logs the device's refusal (422) itself; nothing else may be there.
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.match(errors[0]!, /status of 422 .*\/api\/onvif\/cameras$/);
    } finally {
      await browser.close();
    }
  },
);
