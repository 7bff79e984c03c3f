/**
 * Connection exhaustion before any request is answered: idle connections from one address, from many
 * addresses (127.0.0.2 ... 127.0.0.254, all local on Linux), and connections that trickle a request
 * byte by byte. A real client (ffprobe) must still get every frame, exactly timed, and a session that
 * played before the flood must keep playing.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { getFixture } from '../../fixtures/index.js';
import { checkFrames, ffprobeRtsp, type RunningServer, startServer } from '../../interop/rtsp/harness.js';
import { RawClient, sleep } from './raw-client.js';

const fixture = getFixture('h264-mkv-offset'); // what ffprobe reads
const long = getFixture('h264-mp4-90k-longgop'); // about 9 s: what the session opened before the flood plays

/** Opens `count` connections from `localAddress` that send nothing; resolves once all are settled. */
async function idleConnections(port: number, localAddress: string, count: number): Promise<net.Socket[]> {
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Socket>((resolve) => {
          const s = net.connect({ port, host: '127.0.0.1', localAddress });
          s.on('error', () => {});
          s.once('connect', () => resolve(s));
          s.once('close', () => resolve(s));
        }),
    ),
  );
  return sockets;
}

/**
 * Waits until the server has accepted or refused `total` connections, or until that count has not
 * moved for 2 s, and returns it. On a loaded machine the kernel's accept queue overflows during a
 * burst of a thousand connects: some handshakes then never reach the process (the client believes it
 * connected, the server's kernel dropped its ACK), so kadr cannot count them. Most must reach it.
 */
async function settled(server: RunningServer, total: number): Promise<number> {
  const { stats } = server.server;
  const seen = () => stats.connections + stats.refusedConnections;
  const deadline = performance.now() + 60_000;
  let last = -1;
  let stableSince = performance.now();
  while (seen() < total && performance.now() < deadline) {
    if (seen() !== last) {
      last = seen();
      stableSince = performance.now();
    } else if (performance.now() - stableSince > 2000) break;
    await sleep(50);
  }
  assert.ok(seen() >= total * 0.9, `most connections reached the server (${seen()} of ${total})`);
  return seen();
}

/** A session playing over TCP, to show that sessions set up before a flood are not cut. */
async function playingClient(server: RunningServer): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  const url = server.url(long.path);
  const s = await c.request('SETUP', `${url}/track0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
  assert.equal(s.status, 200);
  const session = s.headers.get('session')!.split(';')[0]!;
  assert.equal((await c.request('PLAY', url, { Session: session })).status, 200);
  return c;
}

async function stillPlays(c: RawClient): Promise<void> {
  const before = c.rtp().length;
  await sleep(400);
  assert.ok(!c.closed, 'the session set up before the flood keeps its connection');
  assert.ok(c.rtp().length > before, 'and its media keeps flowing');
}

test('1,100 idle connections from one address do not lock out a client from another', async () => {
  const server = await startServer([fixture.path, long.path]);
  const flood: net.Socket[] = [];
  try {
    const early = await playingClient(server);
    flood.push(...(await idleConnections(server.port, '127.0.0.2', 1100)));
    const seen = await settled(server, 1101);
    assert.equal(server.server.stats.connections - 1, 64, 'one address gets maxConnectionsPerAddress');
    assert.equal(server.server.stats.refusedConnections, seen - 1 - 64, 'every other one is refused');
    await stillPlays(early);
    assert.equal(checkFrames(fixture, await ffprobeRtsp(server.url(fixture.path), 'tcp')), undefined);
    early.close();
  } finally {
    for (const s of flood) s.destroy();
    await server.close();
  }
});

test('idle connections from 253 addresses fill the server; a real client still gets in', async () => {
  const server = await startServer([fixture.path, long.path]);
  const flood: net.Socket[] = [];
  try {
    const early = await playingClient(server);
    for (let host = 2; host <= 254; host++) {
      flood.push(...(await idleConnections(server.port, `127.0.0.${host}`, 6)));
    }
    const seen = await settled(server, flood.length + 1);
    assert.ok(server.server.stats.evictedConnections >= seen - 1024, 'the oldest idle ones made room');
    await stillPlays(early);
    assert.equal(checkFrames(fixture, await ffprobeRtsp(server.url(fixture.path), 'tcp')), undefined);
    early.close();
  } finally {
    for (const s of flood) s.destroy();
    await server.close();
  }
});

/** Writes `bytes` one byte every `everyMs`; resolves with when the server closed and what it said. */
function trickle(port: number, bytes: string, everyMs: number, giveUpMs: number) {
  return new Promise<{ closedAfterMs: number | undefined; reply: string }>((resolve) => {
    const t0 = performance.now();
    const socket = net.connect({ port, host: '127.0.0.1' });
    let reply = '';
    let i = 0;
    const timer = setInterval(() => socket.write(bytes[i++ % bytes.length]!), everyMs);
    const done = (closedAfterMs: number | undefined) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ closedAfterMs, reply });
    };
    const giveUp = setTimeout(() => done(undefined), giveUpMs);
    socket.on('data', (d) => (reply += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => done(performance.now() - t0));
  });
}

test('a request trickled one byte at a time is closed at its deadline; bare CRLFs at the idle timeout', async () => {
  const server = await startServer([fixture.path], { requestTimeoutMs: 1500, idleTimeoutMs: 2500 });
  try {
    const url = server.url(fixture.path);
    const [request, crlf] = await Promise.all([
      trickle(
        server.port,
        `OPTIONS ${url} RTSP/1.0\r\nCSeq: 1\r\nX-Pad: ${'a'.repeat(200)}\r\n\r\n`,
        200,
        8000,
      ),
      trickle(server.port, '\r\n', 200, 8000),
    ]);
    assert.ok(request.closedAfterMs !== undefined, 'the trickling request was closed');
    assert.ok(
      request.closedAfterMs >= 1400 && request.closedAfterMs < 3000,
      `after ${request.closedAfterMs} ms`,
    );
    assert.match(request.reply, /^RTSP\/1\.0 408 /);
    assert.ok(crlf.closedAfterMs !== undefined, 'the CRLF trickle was closed');
    assert.ok(crlf.closedAfterMs >= 2400 && crlf.closedAfterMs < 4000, `after ${crlf.closedAfterMs} ms`);
    assert.equal(server.server.stats.requestTimeouts, 1);
    assert.equal(server.server.stats.idleClosed, 1);
    // a client that sends whole requests slowly is served as before
    const c = await RawClient.connect(server.port);
    for (let i = 0; i < 3; i++) {
      await sleep(1000);
      assert.equal((await c.request('OPTIONS', url)).status, 200);
    }
    c.close();
  } finally {
    await server.close();
  }
});
