/**
 * A TCP viewer whose link is slower than the stream: it skips ahead to keyframes (counted, logged as
 * what it is) instead of being cut off, and what it receives still decodes. Two readers: a raw client
 * reading interleaved data at a fixed rate, and ffprobe behind a proxy that forwards the server's bytes
 * at that rate.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import type { Logger } from '../../../src/core/logger.js';
import { silentLogger } from '../../../src/core/logger.js';
import { heavyClip, run, startServer } from '../../interop/rtsp/harness.js';
import { firstNalType, RawClient, sleep, throttle } from './raw-client.js';

function recordingLogger(lines: string[]): Logger {
  const log = (msg: string, fields?: object) => lines.push(`${msg} ${JSON.stringify(fields ?? {})}`);
  return { ...silentLogger, info: log, warn: log };
}

test('a viewer reading at a third of the stream rate skips to keyframes and is not cut off', async () => {
  const clip = await heavyClip();
  const logLines: string[] = [];
  const server = await startServer([clip], {
    loop: true,
    tcpSkipBacklogBytes: 512 * 1024,
    logger: recordingLogger(logLines),
  });
  try {
    const c = await RawClient.connect(server.port);
    const url = server.url(clip);
    const s = await c.request('SETUP', `${url}/track0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
    const session = s.headers.get('session')!.split(';')[0]!;
    assert.equal((await c.request('PLAY', url, { Session: session })).status, 200);
    // the stream's rate, from one second of reading at full speed
    await sleep(1000);
    const streamBytesPerSec = c.frames.reduce((n, f) => n + f.payload.length, 0);
    const readBytesPerSec = Math.round(streamBytesPerSec / 3);
    c.socket.removeAllListeners('data');
    const parse = (c as unknown as { onData(d: Buffer): void }).onData.bind(c);
    throttle(c.socket, readBytesPerSec, parse);
    /**
     * Where the RTP timestamp jumps by more than 3 frames (30 fps: 3,000 ticks each), the skips: the
     * NAL types of the access unit there.
     */
    const jumps = () => {
      const rtp = c.frames.filter((f) => f.channel === 0).map((f) => f.payload);
      const units: number[][] = [];
      for (let i = 1; i < rtp.length; i++) {
        const seq = rtp[i]!.readUInt16BE(2);
        assert.equal(seq, (rtp[i - 1]!.readUInt16BE(2) + 1) & 0xffff, 'sequence numbers stay unbroken');
        const ts = rtp[i]!.readUInt32BE(4);
        if ((ts - rtp[i - 1]!.readUInt32BE(4)) >>> 0 <= 9000) continue;
        const types: number[] = [];
        for (let j = i; j < rtp.length && rtp[j]!.readUInt32BE(4) === ts; j++)
          types.push(firstNalType(rtp[j]!));
        units.push(types);
      }
      return units;
    };
    const deadline = performance.now() + 40_000;
    while (jumps().length < 2 && performance.now() < deadline) await sleep(500);
    assert.ok(server.server.stats.viewerSkips >= 2, `skips ${server.server.stats.viewerSkips}`);
    assert.equal(server.server.stats.overflows, 0, 'not dropped');
    assert.ok(!c.closed, 'the connection stays open');
    const skips = jumps();
    assert.ok(skips.length >= 2, `the viewer saw ${skips.length} skips`);
    for (const types of skips) assert.ok(types.includes(5), `each skip lands on a keyframe (NAL ${types})`);
    assert.ok(logLines.some((l) => l.startsWith('viewer reads slower than the stream: skipped ahead')));
    assert.ok(!logLines.some((l) => /does not (read|take) its stream/.test(l)));
    c.close();
  } finally {
    await server.close();
  }
});

test('ffprobe behind a link at a third of the stream rate decodes every frame it gets, exactly timed', async () => {
  const clip = await heavyClip();
  const server = await startServer([clip], { tcpSkipBacklogBytes: 512 * 1024 });
  const truth = await run('ffprobe', ['-v', 'error', '-show_entries', 'packet=pts', '-of', 'csv=p=0', clip]);
  const sourcePts = truth.stdout
    .split('\n')
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
  const first = Math.min(...sourcePts);
  // the clip's time base is 1/15360 (libx264 at 30 fps); RTP runs at 90 kHz
  const expected = new Set(sourcePts.map((p) => Math.round(((p - first) * 90000) / 15360)));
  const bytesPerSec = 1.2e6;
  const proxy = net.createServer((client) => {
    const upstream = net.connect({ port: server.port, host: '127.0.0.1' });
    client.on('data', (d) => upstream.write(d));
    throttle(upstream, bytesPerSec, (d) => client.write(d));
    for (const s of [client, upstream]) s.on('error', () => {});
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    const port = (proxy.address() as net.AddressInfo).port;
    const url = server.url(clip).replace(`:${server.port}/`, `:${port}/`);
    const r = await run('ffprobe', [
      '-v', 'error', '-rtsp_transport', 'tcp', '-select_streams', 'v:0', '-show_entries', 'frame=pts',
      '-of', 'csv=p=0', url,
    ], 90_000); // prettier-ignore
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', 'no decoding errors');
    const pts = r.stdout
      .split('\n')
      .filter((l) => /^\d+$/.test(l.trim()))
      .map(Number);
    assert.ok(server.server.stats.viewerSkips >= 1, 'the viewer fell behind and skipped');
    assert.equal(server.server.stats.overflows, 0);
    assert.ok(
      pts.length > 10 && pts.length < sourcePts.length,
      `${pts.length} of ${sourcePts.length} frames`,
    );
    const base = pts[0]!;
    for (const p of pts) assert.ok(expected.has(p - base), `pts ${p - base} is a source frame's`);
  } finally {
    proxy.close();
    await server.close();
  }
});
