/**
 * Fuzz and abuse (docs/rtsp.md): malformed or hostile requests get RTSP error codes or a closed socket,
 * memory stays bounded, and a real client (ffprobe) playing at the same time still receives every
 * frame with exact timestamps.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { getFixture } from '../../fixtures/index.js';
import {
  checkFrames,
  ffprobeRtsp,
  heavyClip,
  pool,
  type RunningServer,
  startServer,
} from '../../interop/rtsp/harness.js';
import { RawClient, sleep } from './raw-client.js';

const fixture = getFixture('h264-mp4-90k-longgop'); // 240 frames, about 9 s: the victim plays through it all
let server: RunningServer;
before(async () => {
  server = await startServer([fixture.path], { maxConnections: 512, idleTimeoutMs: 3000 });
});
after(() => server.close());

/** Sends raw bytes on a fresh connection; resolves with what came back before the server closed it. */
function exchange(bytes: Buffer | string, waitMs = 1500): Promise<{ reply: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect({ port: server.port, host: '127.0.0.1' });
    let reply = '';
    let closed = false;
    socket.on('data', (d) => (reply += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      resolve({ reply, closed });
    });
    socket.on('connect', () => socket.write(bytes));
    setTimeout(() => {
      socket.destroy();
      resolve({ reply, closed });
    }, waitMs);
  });
}

const status = (reply: string) => Number(/^RTSP\/1\.0 (\d{3})/.exec(reply)?.[1] ?? 0);

test('a real client keeps receiving every frame while the server is abused', async () => {
  const url = server.url(fixture.path);
  const victim = ffprobeRtsp(url, 'tcp');
  const rssBefore = process.memoryUsage().rss;

  // 1. garbage bytes, TLS hellos, HTTP, wrong versions: an error status and a closed socket
  for (const bytes of [
    randomBytes(4096),
    Buffer.from('\x16\x03\x01\x00\xa5\x01\x00\x00\xa1'),
    'GET / HTTP/1.1\r\n\r\n',
  ]) {
    const r = await exchange(bytes);
    assert.ok(r.closed, 'connection closed');
    assert.ok(r.reply === '' || status(r.reply) === 400, `garbage answered ${r.reply.slice(0, 40)}`);
  }
  assert.equal(status((await exchange('OPTIONS * RTSP/2.0\r\nCSeq: 1\r\n\r\n')).reply), 505);

  // 2. huge headers, too many headers, huge body
  const huge = await exchange(`DESCRIBE ${url} RTSP/1.0\r\nCSeq: 1\r\nX: ${'a'.repeat(100_000)}\r\n\r\n`);
  assert.equal(status(huge.reply), 431);
  assert.ok(huge.closed);
  const many = await exchange(`OPTIONS ${url} RTSP/1.0\r\nCSeq: 1\r\n${'X-A: b\r\n'.repeat(200)}\r\n`);
  assert.equal(status(many.reply), 431);
  const body = await exchange(
    `SET_PARAMETER ${url} RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 999999999\r\n\r\n`,
  );
  assert.equal(status(body.reply), 413);

  // 3. protocol errors on a well-formed connection get statuses, and the connection stays usable
  const c = await RawClient.connect(server.port);
  c.writeRaw(`OPTIONS ${url} RTSP/1.0\r\n\r\n`); // no CSeq
  assert.equal((await c.nextResponse()).status, 400);
  c.writeRaw(`OPTIONS ${url} RTSP/1.0\r\nCSeq: abc\r\n\r\n`);
  assert.equal((await c.nextResponse()).status, 400);
  assert.equal((await c.request('PLAY', url, { Session: 'deadbeefdeadbeef' })).status, 454);
  assert.equal((await c.request('TEARDOWN', url, { Session: '../../etc' })).status, 454);
  assert.equal((await c.request('DESCRIBE', `${url}-nope`)).status, 404);
  assert.equal((await c.request('DESCRIBE', 'not-a-url')).status, 400);
  assert.equal(
    (await c.request('SETUP', `${url}/track9`, { Transport: 'RTP/AVP/TCP;interleaved=0-1' })).status,
    404,
  );
  assert.equal((await c.request('SETUP', `${url}/track0`, { Transport: 'RTP/AVP;multicast' })).status, 461);
  assert.equal((await c.request('SETUP', `${url}/track0`)).status, 461);
  assert.equal((await c.request('PLAY', url)).status, 455);
  assert.equal((await c.request('RECORD', url)).status, 405);
  assert.equal((await c.request('FROBNICATE', url)).status, 501);
  assert.equal((await c.request('OPTIONS', url)).status, 200, 'still serving after all that');

  // 4. interleaved garbage on a playing session: ignored, the stream goes on
  const s = await c.request('SETUP', `${url}/track0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
  assert.equal(s.status, 200);
  const session = s.headers.get('session')!.split(';')[0]!;
  assert.equal((await c.request('PLAY', url, { Session: session })).status, 200);
  for (const channel of [0, 1, 7, 255]) {
    const junk = randomBytes(2000);
    c.writeRaw(Buffer.concat([Buffer.from([0x24, channel, junk.length >> 8, junk.length & 0xff]), junk]));
  }
  const maxFrame = Buffer.alloc(4 + 65535, 0xab);
  maxFrame.writeUInt8(0x24, 0);
  maxFrame.writeUInt8(1, 1);
  maxFrame.writeUInt16BE(65535, 2);
  c.writeRaw(maxFrame);
  const before = c.rtp().length;
  await sleep(600);
  assert.ok(c.rtp().length > before, 'RTP keeps flowing after interleaved garbage');
  assert.equal((await c.request('GET_PARAMETER', url, { Session: session })).status, 200);
  c.close();

  // 5. 10,000 connections opened and dropped, some mid-request, 100 at a time
  const partials = ['', 'OPT', `DESCRIBE ${url} RTSP/1.0\r\nCSeq: 1\r\n`, '$\x00\x10'];
  let opened = 0;
  await pool(
    100,
    Array.from(
      { length: 10_000 },
      (_, i) => () =>
        new Promise<void>((resolve) => {
          const sock = net.connect({ port: server.port, host: '127.0.0.1' });
          sock.on('error', () => resolve());
          sock.on('close', () => resolve());
          sock.on('connect', () => {
            opened++;
            const p = partials[i % partials.length]!;
            if (p) sock.write(p);
            sock.destroy();
          });
        }),
    ),
  );
  assert.ok(opened >= 9_900, `opened ${opened} connections`);

  // the victim saw every frame, exactly timed
  const got = await victim;
  assert.equal(checkFrames(fixture, got), undefined);

  // nothing left behind: sessions gone, connections closed, memory bounded
  await sleep(500);
  assert.equal(server.server.sessions.size, 0);
  assert.ok(server.server.stats.protocolErrors >= 6);
  global.gc?.();
  const growthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
  assert.ok(growthMb < 150, `RSS grew ${growthMb.toFixed(0)} MiB`);
});

test('a client that does not read its stream is dropped, not buffered without bound', async () => {
  const clip = await heavyClip();
  // behind at 32 KiB, it skips; having read nothing for 2 s, it is dropped
  const small = await startServer([clip], { maxTcpBacklogBytes: 64 * 1024, tcpStallTimeoutMs: 2000 });
  try {
    const c = await RawClient.connect(small.port);
    const url = small.url(clip);
    const s = await c.request('SETUP', `${url}/track0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
    const session = s.headers.get('session')!.split(';')[0]!;
    c.socket.pause(); // stop reading: the kernel buffers fill, then Node's
    c.writeRaw(`PLAY ${url} RTSP/1.0\r\nCSeq: 9\r\nSession: ${session}\r\n\r\n`);
    const deadline = performance.now() + 15_000;
    while (small.server.stats.overflows === 0 && performance.now() < deadline) await sleep(200);
    assert.equal(small.server.stats.overflows, 1);
    await sleep(100);
    assert.equal(small.server.sessions.size, 0, 'its session ended with the connection');
  } finally {
    await small.close();
  }
});
