/**
 * The RFC 2326 state machine through a raw client: DESCRIBE, SETUP, PLAY with Range and RTP-Info,
 * PAUSE and resume, TEARDOWN, keep-alive and session timeout, looping, sender reports.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseSenderReport } from '../../../src/rtp/rtcp-sender-report.js';
import { splitSdp, sdpAttribute } from '../../../src/rtp/sdp.js';
import { getFixture } from '../../fixtures/index.js';
import { type RunningServer, startServer } from '../../interop/rtsp/harness.js';
import { RawClient, sleep } from './raw-client.js';

let server: RunningServer;
let looping: RunningServer;
const gop = getFixture('h264-mp4-ms'); // GOP 48, B-frames, 1/1000
const offset = getFixture('h264-mkv-offset'); // first pts 1.5 s

before(async () => {
  server = await startServer([gop.path, offset.path], { sessionTimeoutSec: 1 });
  looping = await startServer([offset.path], { loop: true });
});
after(async () => {
  await server.close();
  await looping.close();
});

async function setupTcp(c: RawClient, url: string) {
  const d = await c.request('DESCRIBE', url, { Accept: 'application/sdp' });
  assert.equal(d.status, 200);
  const s = await c.request('SETUP', `${d.headers.get('content-base')}track0`, {
    Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1',
  });
  assert.equal(s.status, 200);
  return { describe: d, setup: s, session: s.headers.get('session')!.split(';')[0]! };
}

test('OPTIONS and DESCRIBE: methods, SDP with sprop-parameter-sets, control and range', async () => {
  const c = await RawClient.connect(server.port);
  const o = await c.request('OPTIONS', server.url(gop.path));
  assert.equal(o.status, 200);
  assert.match(o.headers.get('public')!, /DESCRIBE.*SETUP.*PLAY.*PAUSE.*TEARDOWN.*GET_PARAMETER/);
  const d = await c.request('DESCRIBE', server.url(gop.path));
  assert.equal(d.status, 200);
  assert.equal(d.headers.get('content-type'), 'application/sdp');
  assert.equal(d.headers.get('content-base'), `${server.url(gop.path)}/`);
  const { session, media } = splitSdp(d.body);
  assert.equal(sdpAttribute(session, 'control'), '*');
  assert.match(sdpAttribute(session, 'range')!, /^npt=0-\d+\.\d{3}$/);
  assert.equal(media.length, 1);
  assert.equal(sdpAttribute(media[0]!, 'rtpmap'), '96 H264/90000');
  assert.match(
    sdpAttribute(media[0]!, 'fmtp')!,
    /packetization-mode=1.*sprop-parameter-sets=[A-Za-z0-9+/=]+,[A-Za-z0-9+/=]+/,
  );
  assert.equal(sdpAttribute(media[0]!, 'control'), 'track0');
  assert.equal(sdpAttribute(media[0]!, 'framerate'), undefined);
  c.close();
});

test('PLAY: RTP-Info matches the first RTP packet, an SR maps our SSRC, PAUSE stops, PLAY resumes in sequence', async () => {
  const c = await RawClient.connect(server.port);
  const { session, setup } = await setupTcp(c, server.url(gop.path));
  const ssrcInSetup = /ssrc=([0-9A-F]{8})/.exec(setup.headers.get('transport')!)![1]!;
  const play = await c.request('PLAY', `${server.url(gop.path)}/`, { Session: session, Range: 'npt=0.000-' });
  assert.equal(play.status, 200);
  assert.match(play.headers.get('range')!, /^npt=0\.000-\d+\.\d{3}$/);
  const info = /url=([^;]+);seq=(\d+);rtptime=(\d+)/.exec(play.headers.get('rtp-info')!)!;
  assert.equal(info[1], `${server.url(gop.path)}/track0`);
  await sleep(1200);
  const rtp = c.rtp();
  assert.ok(rtp.length > 10);
  assert.equal(rtp[0]!.seq, Number(info[2]), 'first packet carries the RTP-Info seq');
  assert.equal(rtp[0]!.ts, Number(info[3]), 'first frame carries the RTP-Info rtptime');
  assert.equal(rtp[0]!.ssrc.toString(16).toUpperCase().padStart(8, '0'), ssrcInSetup);
  rtp.forEach(
    (p, i) => i > 0 && assert.equal(p.seq, (rtp[i - 1]!.seq + 1) & 0xffff, 'no gap in sequence numbers'),
  );
  const sr = c.frames
    .filter((f) => f.channel === 1)
    .map((f) => parseSenderReport(f.payload))
    .find((x) => x);
  assert.ok(sr, 'a sender report arrived on the RTCP channel');
  assert.equal(sr.ssrc, rtp[0]!.ssrc);

  const pause = await c.request('PAUSE', `${server.url(gop.path)}/`, { Session: session });
  assert.equal(pause.status, 200);
  await sleep(200);
  const atPause = c.rtp().length;
  await sleep(700);
  assert.equal(c.rtp().length, atPause, 'nothing is sent while paused');

  const last = c.rtp().at(-1)!;
  const resume = await c.request('PLAY', `${server.url(gop.path)}/`, { Session: session });
  assert.equal(resume.status, 200);
  const resumed = /seq=(\d+);rtptime=(\d+)/.exec(resume.headers.get('rtp-info')!)!;
  assert.equal(Number(resumed[1]), (last.seq + 1) & 0xffff, 'resume continues the sequence');
  await sleep(500);
  const after = c.rtp().slice(atPause);
  assert.ok(after.length > 0);
  assert.equal(after[0]!.seq, (last.seq + 1) & 0xffff);
  assert.ok((after[0]!.ts - last.ts) >>> 0 < 90_000, 'timestamps continue from where they stopped');

  assert.equal((await c.request('TEARDOWN', `${server.url(gop.path)}/`, { Session: session })).status, 200);
  assert.equal((await c.request('PLAY', `${server.url(gop.path)}/`, { Session: session })).status, 454);
  c.close();
});

test('PLAY with Range seeks to the keyframe at or before it and says where it landed', async () => {
  const c = await RawClient.connect(server.port);
  const { session } = await setupTcp(c, server.url(gop.path));
  const play = await c.request('PLAY', `${server.url(gop.path)}/`, { Session: session, Range: 'npt=3-' });
  assert.equal(play.status, 200);
  const start = Number(/^npt=([\d.]+)-/.exec(play.headers.get('range')!)![1]);
  const keyTimes = gop.frames.filter((f) => f.key).map((f) => Number(f.pts - gop.frames[0]!.pts) / 1000);
  const expected = Math.max(...keyTimes.filter((t) => t <= 3));
  assert.ok(expected > 0, 'the fixture has a keyframe between 0 and 3 s');
  assert.equal(start, Number(expected.toFixed(3)));
  await sleep(300);
  const info = /seq=(\d+);rtptime=(\d+)/.exec(play.headers.get('rtp-info')!)!;
  assert.equal(c.rtp()[0]!.ts, Number(info[2]));
  assert.equal(
    (await c.request('PLAY', `${server.url(gop.path)}/`, { Session: session, Range: 'smpte=0:00:01-' }))
      .status,
    457,
  );
  c.close();
});

test('sessions time out without keep-alive; GET_PARAMETER keeps one alive', async () => {
  const idle = await RawClient.connect(server.port);
  const kept = await RawClient.connect(server.port);
  const transport = { Transport: 'RTP/AVP;unicast;client_port=40000-40001' };
  const a = await idle.request('SETUP', `${server.url(offset.path)}/track0`, transport);
  const b = await kept.request('SETUP', `${server.url(offset.path)}/track0`, transport);
  assert.equal(a.status, 200);
  assert.match(a.headers.get('session')!, /^[0-9a-f]{16};timeout=1$/);
  assert.match(a.headers.get('transport')!, /server_port=\d+-\d+/);
  const sa = a.headers.get('session')!.split(';')[0]!;
  const sb = b.headers.get('session')!.split(';')[0]!;
  for (let i = 0; i < 8; i++) {
    await sleep(400);
    assert.equal((await kept.request('GET_PARAMETER', server.url(offset.path), { Session: sb })).status, 200);
  }
  assert.equal((await idle.request('GET_PARAMETER', server.url(offset.path), { Session: sa })).status, 454);
  idle.close();
  kept.close();
});

test('--loop: the next pass repeats every RTP timestamp shifted by the file duration', async () => {
  const c = await RawClient.connect(looping.port);
  const { session } = await setupTcp(c, looping.url(offset.path));
  assert.equal((await c.request('PLAY', `${looping.url(offset.path)}/`, { Session: session })).status, 200);
  const n = offset.frames.length;
  const start = performance.now();
  const aus = () => {
    const seen: number[] = [];
    for (const p of c.rtp()) if (p.marker) seen.push(p.ts);
    return seen;
  };
  while (aus().length < n + 12 && performance.now() - start < 15_000) await sleep(200);
  const ts = aus();
  assert.ok(ts.length >= n + 12, `got ${ts.length} access units`);
  // pass length: last pts + its duration - first pts, in 90 kHz ticks (the muxer's durations are the
  // differences to the next frame; Matroska gives the last frame its own)
  const step = (ts[n]! - ts[0]!) >>> 0;
  const sorted = offset.frames.map((f) => f.pts);
  const last = sorted[sorted.length - 1]!;
  const lastDuration = step / 90 - Number(last - sorted[0]!);
  assert.ok(lastDuration > 0 && lastDuration < 100, `plausible last frame duration, got ${lastDuration} ms`);
  for (let i = 0; i < 12; i++) assert.equal((ts[n + i]! - ts[i]!) >>> 0, step, `AU ${i} of pass 2`);
  c.close();
});
