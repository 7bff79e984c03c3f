/**
 * A mount's clients share one packetized copy of the file (RtpUnitCache), yet each must see exactly
 * what a client with its own reader sees: the whole file from its start, whenever it joins, at the
 * file's own pace, with its own SSRC and sequence numbers; and PLAY with a Range backwards works on
 * both kinds of track (the cached one, and a transcoded one that has its own reader and encoder).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ByteBudget } from '../../../src/streams/rtp-unit-cache.js';
import { getFixture } from '../../fixtures/index.js';
import { type RunningServer, startServer } from '../../interop/rtsp/harness.js';
import { RawClient, sleep } from './raw-client.js';

const h264 = getFixture('h264-mp4-ms'); // 150 frames, VFR, B-frames
const vp9 = getFixture('vp9-mkv'); // transcoded to H.264: never cached

let shared: RunningServer;
let uncached: RunningServer;

before(async () => {
  shared = await startServer([h264.path, vp9.path]);
  uncached = await startServer([h264.path], { cacheBudget: new ByteBudget(0) });
});
after(async () => {
  await shared.close();
  await uncached.close();
});

async function play(server: RunningServer, file: string, range = 'npt=0-') {
  const c = await RawClient.connect(server.port);
  const url = server.url(file);
  assert.equal((await c.request('DESCRIBE', url)).status, 200);
  const s = await c.request('SETUP', `${url}/track0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
  assert.equal(s.status, 200);
  const session = s.headers.get('session')!.split(';')[0]!;
  const p = await c.request('PLAY', `${url}/`, { Session: session, Range: range });
  assert.equal(p.status, 200);
  return { c, url, session, play: p };
}

/** Waits until the server's RTCP BYE arrived (end of file). */
async function untilBye(c: RawClient, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!c.frames.some((f) => f.channel === 1 && f.payload.includes(Buffer.from([0x81, 203])))) {
    if (Date.now() - start > timeoutMs) throw new Error('no RTCP BYE');
    await sleep(100);
  }
}

const payloads = (c: RawClient) =>
  c.frames.filter((f) => f.channel === 0).map((f) => f.payload.subarray(12).toString('hex'));

test('clients joining at different times each get the whole file, paced, the same as an own reader', async () => {
  const first = await play(shared, h264.path);
  await sleep(700);
  const late = await play(shared, h264.path);
  const own = await play(uncached, h264.path);
  await Promise.all([untilBye(first.c), untilBye(late.c), untilBye(own.c)]);

  const reference = payloads(own.c);
  assert.ok(reference.length >= h264.frames.length, 'at least one RTP packet per frame');
  assert.deepEqual(payloads(first.c), reference, 'the first client: the same payloads as an own reader');
  assert.deepEqual(payloads(late.c), reference, 'a client that joined later still starts at the beginning');

  for (const { c } of [first, late, own]) {
    const rtp = c.rtp();
    rtp.forEach((p, i) => i > 0 && assert.equal(p.seq, (rtp[i - 1]!.seq + 1) & 0xffff, 'no sequence gap'));
    assert.equal(new Set(rtp.map((p) => p.ssrc)).size, 1);
    // at the file's own pace: the packets take as long to arrive as the timestamps span
    const spanMs = (Math.max(...rtp.map((p) => (p.ts - rtp[0]!.ts) >>> 0)) / 90_000) * 1000;
    const arrivalMs = rtp.at(-1)!.atMs - rtp[0]!.atMs;
    assert.ok(
      arrivalMs > spanMs * 0.9 && arrivalMs < spanMs + 1500,
      `paced: ${arrivalMs} ms for ${spanMs} ms`,
    );
  }
  const ssrcs = new Set([first, late].map(({ c }) => c.rtp()[0]!.ssrc));
  assert.equal(ssrcs.size, 2, 'each client has its own SSRC');
  for (const { c } of [first, late, own]) c.close();
});

for (const [name, file] of [
  ['cached H.264', h264.path],
  ['transcoded VP9', vp9.path],
] as const) {
  test(`${name}: PLAY with a Range backwards restarts there, RTP-Info matching the first packet`, async () => {
    const { c, url, session } = await play(shared, file, 'npt=2-');
    await sleep(400);
    const before = c.rtp().length;
    assert.ok(before > 0, 'packets after the first PLAY');
    const back = await c.request('PLAY', `${url}/`, { Session: session, Range: 'npt=0-' });
    assert.equal(back.status, 200);
    assert.match(back.headers.get('range')!, /^npt=0\.000-/);
    const info = /seq=(\d+);rtptime=(\d+)/.exec(back.headers.get('rtp-info')!)!;
    await sleep(600);
    const rtp = c.rtp();
    const at = rtp.findIndex((p) => p.seq === Number(info[1]));
    assert.ok(at >= before - 1, 'the sequence goes on after the seek');
    assert.equal(
      rtp[at]!.ts,
      Number(info[2]),
      'the first packet after the seek carries the RTP-Info rtptime',
    );
    assert.ok(rtp.length - at > 5, 'packets keep coming after the seek');
    c.close();
  });
}
