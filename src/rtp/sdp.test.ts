import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSessionSdp, rewriteMediaSection, sdpAttribute, splitSdp } from './sdp.js';

// av_sdp_create output for tests/fixtures h264-mkv-offset through node-av 6.1.1 (FFmpeg 8.1), captured.
const avSdp = [
  'v=0',
  'o=- 0 0 IN IP4 127.0.0.1',
  's=No Name',
  't=0 0',
  'a=tool:libavformat 62.19.101',
  'm=video 0 RTP/AVP 96',
  'a=framerate:1000',
  'a=rtpmap:96 H264/90000',
  'a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z2QAFazZQUGfnwEQAAADABAAAH0A8WLZYA==,aO+Pyw==; profile-level-id=640015',
  'a=control:streamid=0',
  '',
].join('\n');

test('splits libavformat SDP and rewrites its media section for RTSP', () => {
  const { session, media } = splitSdp(avSdp);
  assert.equal(session[0], 'v=0');
  assert.equal(media.length, 1);
  const section = rewriteMediaSection(media[0]!, 'track0');
  assert.deepEqual(section, [
    'm=video 0 RTP/AVP 96',
    'a=rtpmap:96 H264/90000',
    'a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z2QAFazZQUGfnwEQAAADABAAAH0A8WLZYA==,aO+Pyw==; profile-level-id=640015',
    'a=control:track0',
  ]);
});

test('builds a session description clients accept: CRLF, control, range, one media section per track', () => {
  const section = rewriteMediaSection(splitSdp(avSdp).media[0]!, 'track0');
  const sdp = buildSessionSdp({
    sessionName: 'cam\r\n1',
    address: '0.0.0.0',
    durationSec: 6.3171,
    mediaSections: [section],
  });
  assert.ok(sdp.endsWith('\r\n'));
  assert.ok(!/[^\r]\n/.test(sdp), 'every line ends with CRLF');
  const { session, media } = splitSdp(sdp);
  assert.equal(session[0], 'v=0');
  assert.ok(session.includes('s=cam  1'), 'line breaks in a name cannot inject SDP lines');
  assert.equal(sdpAttribute(session, 'control'), '*');
  assert.equal(sdpAttribute(session, 'range'), 'npt=0-6.317');
  assert.equal(media.length, 1);
  assert.equal(sdpAttribute(media[0]!, 'control'), 'track0');
  assert.equal(sdpAttribute(media[0]!, 'framerate'), undefined);
  const live = buildSessionSdp({ sessionName: 'x', address: '::1', mediaSections: [section] });
  assert.ok(live.includes('a=range:npt=0-\r\n') && live.includes('IN IP6 ::1'));
});
