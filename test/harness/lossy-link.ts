/**
 * A lossy network link for tests: network namespaces that the test creates (a server side and one or
 * more client sides), each client joined to the server by a veth pair, with addresses in a private
 * subnet that exists only inside them (no real network is touched). Loss is made in each client
 * namespace with iptables' `statistic` match on the datagrams coming from the server; `tc netem` is not
 * used because the kernels these tests run on may lack sch_netem (then `tc qdisc add ... netem` fails
 * with "Specified qdisc kind is unknown"); delay and reordering come from udp-shaper.py (`shapeUdp`) for the same reason.
 *
 * Two kinds of loss: 'random' (each datagram dropped with the given probability), and 'pattern': the
 * same datagrams by their position in the stream dropped on every client link (a few `--mode nth`
 * rules with prime periods, so the pattern does not repeat within a test), so that two clients, kadr
 * and ffprobe, can be compared on exactly the same losses at the same time.
 *
 * Namespaces are deleted by `close()`, on process exit (even after a failed assertion), and stale ones
 * from a test process that died are removed on the next start.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PREFIX = 'kadr-lossy-';
const shaperScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'udp-shaper.py');

export interface LossyClient {
  /** Namespace of this client side (the recorder, ffprobe). */
  readonly ns: string;
  readonly address: string;
  /** The server's address on this client's link. */
  readonly serverAddress: string;
}

export interface LossOptions {
  kind: 'random' | 'pattern';
  /** Only datagrams from this server UDP port (e.g. the RTP port, leaving RTCP alone). */
  sourcePort?: number;
}

export interface LossyLink {
  /** Namespace of the server side (the RTSP source). */
  readonly serverNs: string;
  readonly clients: LossyClient[];
  /** Drops this fraction (0..1) of UDP datagrams from the server to every client; 0 removes the loss. */
  setLoss(fraction: number, options?: LossOptions): void;
  /** UDP datagrams dropped on one client's link so far (iptables counters). */
  droppedPackets(client: LossyClient): number;
  /** Spawns `command` inside a namespace (killed, if still running, by close()). */
  spawn(ns: string, command: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** Runs `command` inside a namespace to its end and returns its stdout. */
  exec(ns: string, command: string, args: string[]): string;
  /**
   * Delays and reorders UDP from the server to the clients with udp-shaper.py (a TUN device and policy
   * routing in the server namespace): netem's delay and reordering for kernels without sch_netem.
   * Resolves once datagrams go through it; its counts come with `shaperCounts()`.
   */
  shapeUdp(options: ShapeOptions): Promise<void>;
  /** Stops the shaper and returns what it did (datagrams, reversed, idrDelayed). */
  shaperCounts(): Promise<Record<string, number>>;
  close(): void;
}

export interface ShapeOptions {
  /** Server UDP port of the RTP stream (the shaper parses its packets). */
  rtpPort: number;
  seed?: number;
  /** Each datagram waits a random 0..jitterMs. */
  jitterMs?: number;
  /** The first N RTP datagrams are sent in reverse order. */
  reverseFirst?: number;
  /** The second packet of every H.264 IDR waits this long (overtaken by the rest of the burst). */
  delayIdrMs?: number;
}

/** Why lossy-link tests cannot run on this machine, or null when they can. */
export function lossyLinkUnavailable(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root';
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
    return `iptables with the statistic match is needed (test/harness/apt-packages.txt): ${(error as Error).message.trim()}`;
  } finally {
    ip(['netns', 'del', probe]);
  }
  return null;
}

export function createLossyLink(clientCount = 1): LossyLink {
  removeStale();
  const id = `${process.pid}-${randomBytes(2).toString('hex')}`;
  const serverNs = `${PREFIX}${id}-s`;
  const clientNames = Array.from({ length: clientCount }, (_, i) => `${PREFIX}${id}-c${i}`);
  // One /30 of 10.x.y.0/8 per client link, chosen at random: it exists only inside these namespaces.
  const a = 1 + (randomBytes(1)[0]! % 250);
  const b = randomBytes(1)[0]! & 0xf0;
  const clients: LossyClient[] = clientNames.map((ns, i) => ({
    ns,
    serverAddress: `10.${a}.${b}.${4 * i + 1}`,
    address: `10.${a}.${b}.${4 * i + 2}`,
  }));
  const children = new Set<ChildProcess>();
  let closed = false;
  let shaper: ChildProcess | null = null;

  const close = () => {
    if (closed) return;
    closed = true;
    process.off('exit', close);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const ns of [serverNs, ...clientNames]) {
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
    ip(['-n', serverNs, 'link', 'set', 'lo', 'up']);
    clients.forEach((c, i) => {
      // veth names are at most 15 characters.
      const tag = `${randomBytes(3).toString('hex')}${i}`;
      const vs = `kvs${tag}`;
      const vc = `kvc${tag}`;
      ip(['netns', 'add', c.ns]);
      ip(['link', 'add', vs, 'type', 'veth', 'peer', 'name', vc]);
      ip(['link', 'set', vs, 'netns', serverNs]);
      ip(['link', 'set', vc, 'netns', c.ns]);
      for (const [ns, dev, addr] of [
        [serverNs, vs, c.serverAddress],
        [c.ns, vc, c.address],
      ] as const) {
        ip(['-n', ns, 'addr', 'add', `${addr}/30`, 'dev', dev]);
        ip(['-n', ns, 'link', 'set', dev, 'up']);
      }
      ip(['-n', c.ns, 'link', 'set', 'lo', 'up']);
    });
  } catch (error) {
    close();
    throw error;
  }

  const inNs = (ns: string, command: string, args: string[]) => ['netns', 'exec', ns, command, ...args];
  const iptables = (c: LossyClient, args: string[]) =>
    execFileSync('ip', inNs(c.ns, 'iptables', args), { encoding: 'utf8', stdio: 'pipe' });
  return {
    serverNs,
    clients,
    setLoss(fraction, options = { kind: 'random' }) {
      for (const c of clients) {
        iptables(c, ['-F', 'INPUT']);
        if (fraction <= 0) continue;
        const match = ['-p', 'udp', '-s', c.serverAddress];
        if (options.sourcePort !== undefined) match.push('--sport', String(options.sourcePort));
        for (const statistic of lossRules(fraction, options.kind)) {
          iptables(c, ['-A', 'INPUT', ...match, '-m', 'statistic', ...statistic, '-j', 'DROP']);
        }
      }
    },
    droppedPackets(c) {
      return iptables(c, ['-L', 'INPUT', '-n', '-v', '-x'])
        .split('\n')
        .filter((l) => l.includes('statistic'))
        .reduce((n, l) => n + Number(l.trim().split(/\s+/)[0]), 0);
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
    async shapeUdp(o) {
      const tun = `kst${randomBytes(3).toString('hex')}`;
      const args = [shaperScript, tun, '--rtp-port', String(o.rtpPort), '--seed', String(o.seed ?? 1)];
      if (o.jitterMs) args.push('--jitter-ms', String(o.jitterMs));
      if (o.reverseFirst) args.push('--reverse-first', String(o.reverseFirst));
      if (o.delayIdrMs) args.push('--delay-idr-ms', String(o.delayIdrMs));
      const child = spawn('ip', inNs(serverNs, '/usr/bin/python3', args), {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.add(child);
      shaper = child;
      await new Promise<void>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`udp-shaper.py exited with ${code}`)));
        child.stdout!.once('data', () => resolve());
      });
      child.removeAllListeners('exit');
      // UDP to the clients goes into the TUN device; what the shaper sends back (mark 1) goes out.
      ip(['-n', serverNs, 'link', 'set', tun, 'up']);
      ip(['-n', serverNs, 'rule', 'add', 'fwmark', '1', 'lookup', 'main', 'pref', '100']);
      for (const c of clients) {
        ip([
          '-n',
          serverNs,
          'route',
          'add',
          `${c.address}/32`,
          'dev',
          tun,
          'src',
          c.serverAddress,
          'table',
          '100',
        ]);
        ip([
          '-n',
          serverNs,
          'rule',
          'add',
          'to',
          `${c.address}/32`,
          'ipproto',
          'udp',
          'lookup',
          '100',
          'pref',
          '200',
        ]);
      }
    },
    async shaperCounts() {
      const child = shaper;
      if (!child || child.exitCode !== null) return {};
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
      return JSON.parse(out.trim().split('\n').pop() || '{}') as Record<string, number>;
    },
    close,
  };
}

/**
 * The statistic-match arguments of the DROP rules for a loss of `fraction`. 'pattern': k rules
 * `--mode nth --every P --packet O` with P the primes above k / fraction (their union drops about
 * `fraction`, and repeats only after the product of the periods).
 */
export function lossRules(fraction: number, kind: LossOptions['kind']): string[][] {
  if (kind === 'random') return [['--mode', 'random', '--probability', String(fraction)]];
  const k = Math.max(1, Math.round(fraction * 100));
  const rules: string[][] = [];
  for (let p = Math.ceil(k / fraction); rules.length < k; p++) {
    if (!isPrime(p)) continue;
    rules.push(['--mode', 'nth', '--every', String(p), '--packet', String((17 + rules.length * 37) % p)]);
  }
  return rules;
}

function isPrime(n: number): boolean {
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return n > 1;
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
