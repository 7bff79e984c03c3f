/**
 * kadr's WS-Discovery against a responder nobody here wrote: Debian's wsdd (the WS-Discovery host
 * daemon Samba users run), in network namespaces the test creates (test/harness/lossy-link.ts: one
 * namespace for wsdd, two for kadr, each joined to it by its own veth pair). Nothing is sent on the
 * machine's real network.
 *
 * wsdd answers a probe for wsdp:Device without XAddrs, so finding its address shows kadr's Resolve
 * too (wsdd's log names both). On the second link nobody answers: discovery ends at its timeout with
 * an empty list, not an error.
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
const WSDD_HTTP_PORT = 5357; // wsdd's fixed port for its metadata service (its XAddrs point there)

function wsddMissing(): string | null {
  try {
    execFileSync('wsdd', ['--version'], { stdio: 'pipe' });
    return null;
  } catch {
    return 'wsdd is not installed (test/harness/apt-packages.txt)';
  }
}

const unavailable = lossyLinkUnavailable() ?? wsddMissing();
const uuid = randomUUID();
let link: LossyLink;
let wsdd: ChildProcess;
let wsddLog = '';

interface DiscoverResult {
  elapsedMs: number;
  devices: { endpoint: string; types: string[]; onvif: boolean; xaddrs: string[]; from: string }[];
  error?: { code: string; message: string };
}

/** kadr's discovery, run inside a client namespace (its JSON also when it exits 1). */
async function discoverIn(ns: string, bind: string, timeoutMs: number): Promise<DiscoverResult> {
  const args = [
    'netns',
    'exec',
    ns,
    process.execPath,
    '--import',
    'tsx',
    DISCOVER,
    '--bind',
    bind,
    '--timeout',
    String(timeoutMs),
  ];
  const stdout = await promisify(execFile)('ip', args, { cwd: ROOT }).then(
    (r) => r.stdout,
    (e: { stdout?: string }) => e.stdout ?? '',
  );
  return JSON.parse(stdout) as DiscoverResult;
}

/** wsdd's log, once it holds `pattern` (its lines come a little after its datagrams). */
async function wsddLogged(pattern: RegExp): Promise<string> {
  for (let i = 0; i < 40 && !pattern.test(wsddLog); i++) await new Promise((r) => setTimeout(r, 50));
  return wsddLog;
}

before(async () => {
  if (unavailable) return;
  link = createLossyLink(2);
  const c0 = link.clients[0]!;
  wsdd = link.spawn(
    link.serverNs,
    'wsdd',
    ['-4', '-v', '-i', c0.serverAddress, '-U', uuid, '-n', 'wsdd-peer'],
    {
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    },
  );
  const onOutput = (d: Buffer) => (wsddLog += d.toString());
  wsdd.stdout!.on('data', onOutput);
  wsdd.stderr!.on('data', onOutput);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`wsdd did not join the multicast group:\n${wsddLog}`)),
      15_000,
    );
    const check = () => {
      if (!/joined multicast group/.test(wsddLog)) return;
      clearTimeout(timer);
      resolve();
    };
    wsdd.stderr!.on('data', check);
    wsdd.stdout!.on('data', check);
    wsdd.once('exit', (code) => reject(new Error(`wsdd exited (${code}):\n${wsddLog}`)));
  });
});

after(() => link?.close());

test(
  'kadr finds wsdd: its endpoint, its types (not ONVIF) and the XAddrs it resolves',
  { skip: unavailable ?? false },
  async () => {
    const c0 = link.clients[0]!;
    // By interface name, the way a person picks the camera network.
    const dev = execFileSync('ip', ['-n', c0.ns, '-o', '-4', 'addr', 'show'], { encoding: 'utf8' })
      .split('\n')
      .find((l) => l.includes(`${c0.address}/`))!
      .split(/\s+/)[1]!;
    const result = await discoverIn(c0.ns, dev, 1500);
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    assert.deepEqual(
      result.devices.map((d) => ({ ...d, types: undefined })),
      [
        {
          endpoint: `urn:uuid:${uuid}`,
          types: undefined,
          onvif: false,
          scopes: [],
          xaddrs: [`http://${c0.serverAddress}:${WSDD_HTTP_PORT}/${uuid}`],
          metadataVersion: 1,
          from: c0.serverAddress,
        },
      ],
    );
    assert.ok(result.devices[0]!.types.includes('wsdp:Device'), result.devices[0]!.types.join(' '));
    assert.ok(result.elapsedMs >= 1500 && result.elapsedMs < 1500 + 1000, `took ${result.elapsedMs} ms`);
    // wsdd saw kadr's probe and, since its ProbeMatch has no XAddrs, kadr's Resolve.
    const from = `${c0.address.replaceAll('.', '\\.')}:\\d+\\(\\S+\\) - - "`;
    assert.match(
      await wsddLogged(new RegExp(`${from}Resolve urn:uuid:`)),
      new RegExp(`${from}Resolve urn:uuid:`),
    );
    assert.match(wsddLog, new RegExp(`${from}Probe urn:uuid:`));
  },
);

test(
  'nobody answers: an empty list at the timeout, not an error',
  { skip: unavailable ?? false },
  async () => {
    const c1 = link.clients[1]!;
    const result = await discoverIn(c1.ns, c1.address, 600);
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    assert.deepEqual(result.devices, []);
    assert.ok(result.elapsedMs >= 600 && result.elapsedMs < 600 + 500, `took ${result.elapsedMs} ms`);
  },
);

test(
  "an address that is not one of the host's is refused before anything is sent",
  { skip: unavailable ?? false },
  async () => {
    const c1 = link.clients[1]!;
    // The other link's address exists only in the other namespace.
    const result = await discoverIn(c1.ns, link.clients[0]!.address, 600);
    assert.equal(result.error?.code, 'KADR_ERR_VALIDATION');
    assert.match(result.error!.message, /no IPv4 interface or address/);
  },
);
