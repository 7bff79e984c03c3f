/**
 * kadr's WS-Discovery against a responder nobody here wrote: Debian's wsdd (the WS-Discovery host
 * daemon Samba users run), in network namespaces the test creates (test/harness/lossy-link.ts: one
 * namespace for the responders, two for kadr, each joined to it by its own veth pair). Nothing is
 * sent on the machine's real network.
 *
 * wsdd answers a probe for wsdp:Device without XAddrs, so finding its address shows kadr's Resolve
 * too (wsdd's log names both). Beside it on the same link a camera answers with the ProbeMatches
 * recorded in the `onvif` package's tests (test/harness/ws-discovery-replay.py): kadr lists it first,
 * labelled ONVIF, and alone when asked for ONVIF devices only. On the second link nobody answers:
 * discovery ends at its timeout with an empty list, not an error.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { createLossyLink, lossyLinkUnavailable, type LossyLink } from '../../harness/lossy-link.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const DISCOVER = path.join(ROOT, 'test/integration/onvif/support/discover-once.ts');
const REPLAY = path.join(ROOT, 'test/harness/ws-discovery-replay.py');
const WSDD_HTTP_PORT = 5357; // wsdd's fixed port for its metadata service (its XAddrs point there)
const CAMERA_ENDPOINT = 'uuid:c9790c3a-701b-464d-a189-0060351c8ada'; // in the recorded Probe.xml

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
const uuid = randomUUID();
let link: LossyLink;
let wsddLog = '';
let cameraLog = '';

interface Device {
  endpoint: string;
  types: string[];
  onvif: boolean;
  scopes: string[];
  xaddrs: string[];
  metadataVersion: number | null;
  from: string;
}

interface DiscoverResult {
  elapsedMs: number;
  devices: Device[];
  error?: { code: string; message: string };
}

/** kadr's discovery, run inside a client namespace (its JSON also when it exits 1). */
async function discoverIn(
  ns: string,
  bind: string,
  timeoutMs: number,
  onvifOnly = false,
): Promise<DiscoverResult> {
  const args = ['netns', 'exec', ns, process.execPath, '--import', 'tsx', DISCOVER];
  args.push('--bind', bind, '--timeout', String(timeoutMs), ...(onvifOnly ? ['--onvif-only'] : []));
  const stdout = await promisify(execFile)('ip', args, { cwd: ROOT }).then(
    (r) => r.stdout,
    (e: { stdout?: string }) => e.stdout ?? '',
  );
  return JSON.parse(stdout) as DiscoverResult;
}

/** A log, once it holds `pattern` (a responder's lines come a little after its datagrams). */
async function logged(log: () => string, pattern: RegExp): Promise<string> {
  for (let i = 0; i < 40 && !pattern.test(log()); i++) await new Promise((r) => setTimeout(r, 50));
  return log();
}

/** Starts a responder in the responders' namespace and waits for the line that says it listens. */
async function startResponder(
  command: string,
  args: string[],
  ready: RegExp,
  onLog: (s: string) => void,
): Promise<ChildProcess> {
  const child = link.spawn(link.serverNs, command, args, { env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  let all = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} not ready:\n${all}`)), 15_000);
    const onData = (d: Buffer) => {
      all += d.toString();
      onLog(d.toString());
      if (ready.test(all)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${command} exited (${code}):\n${all}`)));
  });
  child.removeAllListeners('exit');
  return child;
}

before(async () => {
  if (unavailable) return;
  link = createLossyLink(2);
  const server = link.clients[0]!.serverAddress;
  await startResponder(
    'wsdd',
    ['-4', '-v', '-i', server, '-U', uuid, '-n', 'wsdd-peer'],
    /joined multicast group/,
    (s) => (wsddLog += s),
  );
  await startResponder(
    '/usr/bin/python3',
    [REPLAY, server, `http://${server}/onvif/device_service`],
    /^ready$/m,
    (s) => (cameraLog += s),
  );
});

after(() => link?.close());

test('kadr finds the camera (ONVIF, first) and wsdd (not ONVIF, XAddrs resolved)', { skip }, async () => {
  const c0 = link.clients[0]!;
  // By interface name, the way a person picks the camera network.
  const dev = execFileSync('ip', ['-n', c0.ns, '-o', '-4', 'addr', 'show'], { encoding: 'utf8' })
    .split('\n')
    .find((l) => l.includes(`${c0.address}/`))!
    .split(/\s+/)[1]!;
  const result = await discoverIn(c0.ns, dev, 1500);
  assert.equal(result.error, undefined, JSON.stringify(result.error));
  assert.equal(result.devices.length, 2, JSON.stringify(result.devices));
  const [camera, host] = result.devices as [Device, Device];
  assert.deepEqual(
    { ...camera, scopes: camera.scopes.length },
    {
      endpoint: CAMERA_ENDPOINT,
      types: ['dn:NetworkVideoTransmitter', 'tds:Device'],
      onvif: true,
      scopes: 7,
      xaddrs: [`http://${c0.serverAddress}/onvif/device_service`],
      metadataVersion: 1,
      from: c0.serverAddress,
    },
  );
  assert.deepEqual(
    { ...host, types: undefined },
    {
      endpoint: `urn:uuid:${uuid}`,
      types: undefined,
      onvif: false,
      scopes: [],
      xaddrs: [`http://${c0.serverAddress}:${WSDD_HTTP_PORT}/${uuid}`],
      metadataVersion: 1,
      from: c0.serverAddress,
    },
  );
  assert.ok(host.types.includes('wsdp:Device'), host.types.join(' '));
  assert.ok(result.elapsedMs >= 1500 && result.elapsedMs < 1500 + 1000, `took ${result.elapsedMs} ms`);
  // wsdd saw kadr's probe and, since its ProbeMatch has no XAddrs, kadr's Resolve.
  const from = `${c0.address.replaceAll('.', '\\.')}:\\d+\\(\\S+\\) - - "`;
  assert.match(
    await logged(() => wsddLog, new RegExp(`${from}Resolve urn:uuid:`)),
    new RegExp(`${from}Resolve urn:uuid:`),
  );
  assert.match(wsddLog, new RegExp(`${from}Probe urn:uuid:`));
  assert.match(cameraLog, new RegExp(`answered urn:uuid:\\S+ from ${c0.address.replaceAll('.', '\\.')}`));
});

test('ONVIF devices only: the camera without wsdd', { skip }, async () => {
  const c0 = link.clients[0]!;
  const result = await discoverIn(c0.ns, c0.address, 800, true);
  assert.equal(result.error, undefined, JSON.stringify(result.error));
  assert.deepEqual(
    result.devices.map((d) => [d.endpoint, d.onvif]),
    [[CAMERA_ENDPOINT, true]],
  );
});

test('nobody answers: an empty list at the timeout, not an error', { skip }, async () => {
  const c1 = link.clients[1]!;
  const result = await discoverIn(c1.ns, c1.address, 600);
  assert.equal(result.error, undefined, JSON.stringify(result.error));
  assert.deepEqual(result.devices, []);
  assert.ok(result.elapsedMs >= 600 && result.elapsedMs < 600 + 1000, `took ${result.elapsedMs} ms`);
});

test("an address that is not one of the host's is refused before anything is sent", { skip }, async () => {
  const c1 = link.clients[1]!;
  // The other link's address exists only in the other namespace.
  const result = await discoverIn(c1.ns, link.clients[0]!.address, 600);
  assert.equal(result.error?.code, 'KADR_ERR_VALIDATION');
  assert.match(result.error!.message, /no IPv4 interface or address/);
});
