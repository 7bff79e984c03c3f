/**
 * Ctrl-C and SIGTERM end every command promptly, also one that waits inside FFmpeg on a server that
 * accepts the connection and then never answers; such a server ends a read by timeout when no signal
 * comes, and a live stream is refused by the commands that read a video to its end.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getFixture } from '../../fixtures/index.js';

const root = path.resolve(import.meta.dirname, '../../..');
const work = mkdtempSync(path.join(tmpdir(), 'kadr-cli-signals-'));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** A TCP server that accepts, reads and never writes a byte: a stalled HTTP or RTSP server. */
let silent: net.Server;
let silentPort = 0;
let connections = 0;
const sockets = new Set<net.Socket>();
const waiting: (() => void)[] = [];
before(async () => {
  silent = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', () => {});
    socket.on('error', () => {});
    waiting.splice(0).forEach((wake) => wake());
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as net.AddressInfo).port;
});
after(() => {
  for (const socket of sockets) socket.destroy();
  silent.close();
  rmSync(work, { recursive: true, force: true });
});

function nextConnection(): Promise<void> {
  return new Promise((resolve) => waiting.push(resolve));
}

/** Runs kadr; a child still alive after `limitMs` is killed with SIGKILL so the test ends. */
function run(args: string[], limitMs: number): { exited: Promise<Exit>; signal(sig: NodeJS.Signals): void } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/bin.ts'), ...args], {
    env: { ...process.env, KADR_CACHE_DIR: path.join(work, 'cache') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  return {
    exited: new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        clearTimeout(killer);
        resolve({ code, signal, stderr });
      }),
    ),
    signal: (sig) => child.kill(sig),
  };
}

describe('SIGINT and SIGTERM while a command waits on a server that never answers', () => {
  const url = () => `http://127.0.0.1:${silentPort}/clip.mp4`;
  const file = getFixture('h264-mp4-ms').path;
  const cases: [string, () => string[]][] = [
    ['probe', () => ['probe', url()]],
    ['frame', () => ['frame', url(), '--at', '0', '--out', path.join(work, 'f.png')]],
    ['index', () => ['index', url(), '--csv']],
    ['compare', () => ['compare', file, url(), '--at', '0', '--out', path.join(work, 'c.png')]],
    ['same-moment', () => ['same-moment', url(), file, '--at', '0', '--out-dir', path.join(work, 'm')]],
  ];
  for (const [name, args] of cases) {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      test(`kadr ${name} ends within 2 s of ${sig}, as a process killed by it`, async () => {
        const connected = nextConnection();
        const kadr = run(args(), 20_000);
        await connected; // kadr is now inside FFmpeg, waiting for the server's answer
        const sent = performance.now();
        kadr.signal(sig);
        const exit = await kadr.exited;
        const tookMs = performance.now() - sent;
        assert.equal(exit.signal, sig, `exit ${exit.code} / ${exit.signal}: ${exit.stderr}`);
        assert.ok(tookMs < 2000, `took ${tookMs.toFixed(0)} ms`);
        assert.match(exit.stderr, new RegExp(`kadr ${name}: stopped by ${sig}`));
      });
    }
  }

  test('without a signal, the stalled server ends the read after 30 s with a message that says so', async () => {
    const kadr = run(['probe', url()], 60_000);
    const exit = await kadr.exited;
    assert.equal(exit.code, 2, exit.stderr);
    assert.match(exit.stderr, /did not answer: no data in 30 s/);
  });
});

describe('live streams are refused by the commands that read a whole video', () => {
  const rtsp = () => `rtsp://127.0.0.1:${silentPort}/cam`;
  const cases: [string, () => string[]][] = [
    ['probe', () => ['probe', rtsp()]],
    ['frame', () => ['frame', rtsp(), '--at', '0', '--out', path.join(work, 'f.png')]],
    ['index', () => ['index', rtsp()]],
    ['compare', () => ['compare', rtsp(), rtsp(), '--at', '0', '--out', path.join(work, 'c.png')]],
    ['same-moment', () => ['same-moment', rtsp(), rtsp(), '--at', '0', '--out-dir', path.join(work, 'm')]],
  ];
  for (const [name, args] of cases) {
    test(`kadr ${name} rtsp://... says it is a live stream, without connecting`, async () => {
      const before = connections;
      const exit = await run(args(), 20_000).exited;
      assert.equal(exit.code, 2, exit.stderr);
      assert.match(exit.stderr, new RegExp(`kadr ${name}: rtsp://127\\.0\\.0\\.1:\\d+/cam is a live stream`));
      assert.match(exit.stderr, /kadr record/);
      assert.equal(connections, before);
    });
  }
});
