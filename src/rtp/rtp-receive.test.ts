import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReceiverReports } from './rtcp-packets.js';
import { ReceptionStats } from './rtcp-receiver-report.js';
import { parseSenderReport, serializeSenderReport, unixUsToNtp } from './rtcp-sender-report.js';
import { SenderReportClock } from './rtcp-wallclock.js';
import { controlUrl, parseSdpVideo } from './sdp-video.js';

test('sender report -> wallclock per RTP timestamp, across a 32-bit wrap and before the SR', () => {
  const clock = new SenderReportClock(90000);
  assert.equal(clock.wallclockMs(1234), null, 'no wallclock before the first SR');
  const srUs = 1_700_000_000_000_000n;
  const sr = serializeSenderReport({
    ssrc: 1,
    ntpTimestamp: unixUsToNtp(srUs),
    rtpTimestamp: 2 ** 32 - 9000, // 0.1 s before the wrap
    packetCount: 0,
    octetCount: 0,
  });
  clock.observe(parseSenderReport(sr)!, 0);
  assert.equal(clock.wallclockMs(2 ** 32 - 9000), 1_700_000_000_000);
  assert.equal(clock.wallclockMs(9000), 1_700_000_000_200, 'after the wrap: +0.2 s');
  assert.equal(clock.wallclockMs(2 ** 32 - 18000), 1_699_999_999_900, 'before the SR: -0.1 s');
  // A next SR off by one 90 kHz tick (rounding) keeps the anchor; one 5 ms off (drift) replaces it.
  const next = (rtp: number, us: bigint) =>
    parseSenderReport(
      serializeSenderReport({
        ssrc: 1,
        ntpTimestamp: unixUsToNtp(us),
        rtpTimestamp: rtp,
        packetCount: 0,
        octetCount: 0,
      }),
    )!;
  clock.observe(next(90000 - 9000 - 1, srUs + 1_000_000n), 0);
  assert.equal(clock.wallclockMs(9000), 1_700_000_000_200);
  clock.observe(next(180000 - 9000, srUs + 2_005_000n), 0);
  assert.equal(clock.wallclockMs(180000 - 9000), 1_700_000_002_005);
});

test('receiver report: extended highest sequence through a wrap, losses, LSR from the SR', () => {
  const stats = new ReceptionStats(90000);
  for (const seq of [65534, 65535, 0, 2, 3]) stats.packet(seq, 1000, 0); // 1 lost
  const ntp = unixUsToNtp(1_700_000_000_000_000n);
  const rr = stats.receiverReport(7, 0xabcdef01, ntp, 500);
  const [report] = parseReceiverReports(rr);
  assert.equal(report!.reporterSsrc, 7);
  const block = report!.blocks[0]!;
  assert.equal(block.ssrc, 0xabcdef01);
  assert.equal(block.highestSeq, 0x10000 + 3);
  assert.equal(block.cumulativeLost, 1);
  assert.equal(block.fractionLost, Math.floor(256 / 6));
  assert.equal(rr.readUInt32BE(24), Number((ntp >> 16n) & 0xffffffffn), 'LSR: middle 32 bits of the SR NTP');
  assert.equal(rr.readUInt32BE(28), 32768, 'DLSR: 0.5 s in 1/65536 s');
});

test('SDP video track: codec, clock, parameter sets, control URL, range', () => {
  const sdp = [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=cam',
    'a=control:*',
    'a=range:npt=0-5.824',
    'm=audio 0 RTP/AVP 97',
    'a=rtpmap:97 MPEG4-GENERIC/48000/2',
    'a=control:stream=1',
    'm=video 0 RTP/AVP 96',
    'a=rtpmap:96 H265/90000',
    'a=fmtp:96 sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwA/lZgJ; sprop-sps=QgEBAWAAAAMAkAAAAwAAAwA/oAoIDxZZWlJKTAgAAAMACAAAAwDIQA==; sprop-pps=RAHBcrRiQA==',
    'a=control:stream=0',
  ].join('\r\n');
  const t = parseSdpVideo(sdp, 'rtsp://h:1/cam/')!;
  assert.equal(t.encoding, 'H265');
  assert.equal(t.payloadType, 96);
  assert.equal(t.clockRate, 90000);
  assert.equal(t.controlUrl, 'rtsp://h:1/cam/stream=0');
  assert.equal(t.durationMs, 5824);
  assert.deepEqual(
    t.parameterSets.map((p) => (p[0]! >> 1) & 0x3f),
    [32, 33, 34],
  );
  assert.equal(controlUrl('rtsp://h/cam', 'track1'), 'rtsp://h/cam/track1');
  assert.equal(controlUrl('rtsp://h/cam', 'rtsp://other/x'), 'rtsp://other/x');
  assert.equal(parseSdpVideo('v=0\r\nm=audio 0 RTP/AVP 0\r\n', 'rtsp://h/'), undefined);
});
