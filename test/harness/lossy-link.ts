/**
 * A lossy network link for tests: two network namespaces that the test creates (a server side and a
 * client side) joined by a veth pair, with addresses in a private subnet that exists only inside them
 * (no real network is touched). Loss is made in the client namespace with iptables' `statistic` match
 * (random drop of UDP datagrams coming from the server); `tc netem` is not used because the kernels
 * these tests run on may lack sch_netem (then `tc qdisc add ... netem` fails with "Specified qdisc kind
 * is unknown").
 *
 * Namespaces are deleted by `close()`, on process exit (even after a failed assertion), and stale ones
 * from a test process that died are removed on the next start.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

const PREFIX = 'kadr-lossy-';

export interface LossyLink {
  /** Namespace of the server side (the RTSP source). */
  readonly serverNs: string;
  /** Namespace of the client side (the recorder, ffprobe). */
  readonly clientNs: string;
  readonly serverAddress: string;
  readonly clientAddress: string;
  /** Drops this fraction (0..1) of UDP datagrams from the server to the client, at random; 0 removes it. */
  setLoss(fraction: number): void;
  /** UDP datagrams dropped by the loss rule so far (iptables counter). */
  droppedPackets(): number;
  /** Spawns `command` inside a namespace (killed, if still running, by close()). */
  spawn(ns: string, command: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** Runs `command` inside a namespace to its end and returns its stdout. */
  exec(ns: string, command: string, args: string[]): string;
  close(): void;
}

/** Why lossy-link tests cannot run on this machine, or null when they can. */
export function lossyLinkUnavailable(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root';
  for (const tool of ['/usr/sbin/ip', '/usr/sbin/iptables']) {
    if (!existsSync(tool) && !existsSync(tool.replace('/usr/sbin', '/sbin')))
      return `${tool.split('/').pop()} is missing (test/harness/apt-packages.txt: iproute2, iptables)`;
  }
  const probe = `${PREFIX}probe-${process.pid}`;
  try {
    ip(['netns', 'add', probe]);
  } catch (error) {
    return `this machine cannot create network namespaces: ${(error as Error).message.trim()}`;
  }
  try {
    execFileSync(
      'ip',
      [
        'netns',
        'exec',
        probe,
        'iptables',
        '-A',
        'INPUT',
        '-p',
        'udp',
        '-m',
        'statistic',
        '--mode',
        'random',
        '--probability',
        '0.5',
        '-j',
        'DROP',
      ],
      { stdio: 'pipe' },
    );
  } catch (error) {
    return `iptables' statistic match does not work here: ${(error as Error).message.trim()}`;
  } finally {
    ip(['netns', 'del', probe]);
  }
  return null;
}

export function createLossyLink(): LossyLink {
  removeStale();
  const id = `${process.pid}-${randomBytes(2).toString('hex')}`;
  const serverNs = `${PREFIX}${id}-s`;
  const clientNs = `${PREFIX}${id}-c`;
  // veth names are at most 15 characters.
  const tag = randomBytes(3).toString('hex');
  const vs = `kvs${tag}`;
  const vc = `kvc${tag}`;
  // One /30 of 10.x.y.0/8 per link, chosen at random: it exists only inside these two namespaces.
  const a = 1 + (randomBytes(1)[0]! % 250);
  const b = randomBytes(1)[0]! & 0xfc;
  const serverAddress = `10.${a}.${b}.1`;
  const clientAddress = `10.${a}.${b}.2`;
  const children = new Set<ChildProcess>();
  let closed = false;

  const close = () => {
    if (closed) return;
    closed = true;
    process.off('exit', close);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const ns of [serverNs, clientNs]) {
      killAll(ns);
      try {
        ip(['netns', 'del', ns]);
      } catch {
        // not created (a failure half-way through the set-up)
      }
    }
  };
  process.on('exit', close);
  try {
    ip(['netns', 'add', serverNs]);
    ip(['netns', 'add', clientNs]);
    ip(['link', 'add', vs, 'type', 'veth', 'peer', 'name', vc]);
    ip(['link', 'set', vs, 'netns', serverNs]);
    ip(['link', 'set', vc, 'netns', clientNs]);
    for (const [ns, dev, addr] of [
      [serverNs, vs, serverAddress],
      [clientNs, vc, clientAddress],
    ] as const) {
      ip(['-n', ns, 'addr', 'add', `${addr}/30`, 'dev', dev]);
      ip(['-n', ns, 'link', 'set', dev, 'up']);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
  } catch (error) {
    close();
    throw error;
  }

  const inNs = (ns: string, command: string, args: string[]) => ['netns', 'exec', ns, command, ...args];
  const iptables = (args: string[]) =>
    execFileSync('ip', inNs(clientNs, 'iptables', args), { encoding: 'utf8', stdio: 'pipe' });
  const lossRule = (p: number) => [
    'INPUT',
    '-p',
    'udp',
    '-s',
    serverAddress,
    '-m',
    'statistic',
    '--mode',
    'random',
    '--probability',
    String(p),
    '-j',
    'DROP',
  ];
  let loss = 0;
  return {
    serverNs,
    clientNs,
    serverAddress,
    clientAddress,
    setLoss(fraction) {
      if (loss > 0) iptables(['-D', ...lossRule(loss)]);
      loss = fraction;
      if (loss > 0) iptables(['-A', ...lossRule(loss)]);
    },
    droppedPackets() {
      const out = iptables(['-L', 'INPUT', '-n', '-v', '-x']);
      const line = out.split('\n').find((l) => l.includes('statistic'));
      return line ? Number(line.trim().split(/\s+/)[0]) : 0;
    },
    spawn(ns, command, args, options = {}) {
      const child = spawn('ip', inNs(ns, command, args), { stdio: ['ignore', 'pipe', 'pipe'], ...options });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    exec(ns, command, args) {
      return execFileSync('ip', inNs(ns, command, args), { encoding: 'utf8', maxBuffer: 256 << 20 });
    },
    close,
  };
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

function killAll(ns: string): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: 'pipe' })
      .split('\n')
      .filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  } catch {
    // no such namespace
  }
}

/** Namespaces of test processes that died without cleaning up (their pid is in the name). */
function removeStale(): void {
  let names: string[];
  try {
    names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8', stdio: 'pipe' })
      .split('\n')
      .map((l) => l.split(' ')[0]!)
      .filter((n) => n.startsWith(PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name.slice(PREFIX.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    killAll(name);
    try {
      ip(['netns', 'del', name]);
    } catch {
      // removed meanwhile
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
