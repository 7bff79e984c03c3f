import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatNptRange, parseNptRange } from './range.js';
import { parseRequestTarget } from './request-target.js';
import { chooseTransport, formatTransport } from './transport.js';

test('Transport: the first servable option wins; multicast and broken options are skipped', () => {
  // as GStreamer rtspsrc offers them (captured), and ffprobe's
  assert.deepEqual(chooseTransport('RTP/AVP;unicast;client_port=41234-41235'), {
    kind: 'udp',
    clientRtpPort: 41234,
    clientRtcpPort: 41235,
  });
  assert.deepEqual(chooseTransport('RTP/AVP/TCP;unicast;interleaved=0-1'), {
    kind: 'tcp',
    rtpChannel: 0,
    rtcpChannel: 1,
  });
  assert.deepEqual(chooseTransport('RTP/AVP;multicast, RTP/AVP/TCP;unicast;interleaved=2-3'), {
    kind: 'tcp',
    rtpChannel: 2,
    rtcpChannel: 3,
  });
  assert.deepEqual(chooseTransport('RTP/AVP/TCP;unicast'), { kind: 'tcp', rtpChannel: 0, rtcpChannel: 1 });
  assert.equal(chooseTransport('RTP/AVP;unicast;client_port=99999-100000'), undefined);
  assert.equal(chooseTransport('RTP/AVP/TCP;interleaved=300-301'), undefined);
  assert.equal(chooseTransport('RAW/RAW/UDP;unicast;client_port=1-2'), undefined);
  assert.equal(chooseTransport(''), undefined);
  assert.equal(
    formatTransport(
      { kind: 'udp', clientRtpPort: 5000, clientRtcpPort: 5001 },
      { serverRtpPort: 6000, ssrc: 0xab },
    ),
    'RTP/AVP;unicast;client_port=5000-5001;server_port=6000-6001;ssrc=000000AB',
  );
});

test('Range: npt forms, open ends, invalid input', () => {
  assert.deepEqual(parseNptRange('npt=0.000-'), { startSec: 0, endSec: undefined });
  assert.deepEqual(parseNptRange('npt=10.5-20'), { startSec: 10.5, endSec: 20 });
  assert.deepEqual(parseNptRange('npt=now-'), { startSec: undefined, endSec: undefined });
  assert.deepEqual(parseNptRange('npt=0:01:02.5-'), { startSec: 62.5, endSec: undefined });
  assert.equal(parseNptRange('smpte=0:10:20-'), undefined);
  assert.equal(parseNptRange('npt=abc-'), undefined);
  assert.equal(parseNptRange('npt=20-10'), undefined);
  assert.equal(formatNptRange(1.5), 'npt=1.500-');
  assert.equal(formatNptRange(0, 6.317), 'npt=0.000-6.317');
  // microseconds, so that a 90 kHz tick survives the round trip through FFmpeg's microseconds
  assert.equal(formatNptRange(225225 / 90000), 'npt=2.5025-');
  assert.equal(formatNptRange(721701 / 90000), 'npt=8.0189-');
  assert.equal(formatNptRange(1 / 90000), 'npt=0.000011-');
  for (let ticks = 0; ticks < 90_000 * 20; ticks += 997) {
    const micros = Math.round(Number(/^npt=([\d.]+)-$/.exec(formatNptRange(ticks / 90000))![1]) * 1e6);
    assert.equal(Math.round((micros * 9) / 100), ticks);
  }
});

test('request target: mount paths with folders and escapes, track names, traversal refused', () => {
  assert.deepEqual(parseRequestTarget('rtsp://h:8554/cam1/'), { path: 'cam1', track: undefined });
  assert.deepEqual(parseRequestTarget('rtsp://h:8554/cam1/track0'), { path: 'cam1', track: 'track0' });
  assert.deepEqual(parseRequestTarget('rtsp://h/a/b%20c/track1?x=1'), { path: 'a/b c', track: 'track1' });
  assert.deepEqual(parseRequestTarget('rtsp://h/track0'), { path: 'track0', track: undefined });
  // dot segments are resolved by URL parsing before any lookup (mounts are a map, never file paths)
  assert.deepEqual(parseRequestTarget('rtsp://h/a/%2e%2e/b'), { path: 'b', track: undefined });
  assert.equal(parseRequestTarget('rtsp://h/a/%2e%2e%2fb'), undefined);
  assert.equal(parseRequestTarget('http://h/a'), undefined);
  assert.equal(parseRequestTarget('/relative'), undefined);
  assert.equal(parseRequestTarget('rtsp://h/%E0%A4%A'), undefined);
});
