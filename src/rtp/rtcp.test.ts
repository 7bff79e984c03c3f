import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isRtcpPacket,
  parseReceiverReports,
  serializeReceiverReportBye,
  splitCompoundRtcp,
} from './rtcp-packets.js';
import {
  ntpToUnixUs,
  parseSenderReport,
  rtpTimestampAtWallclock,
  serializeSenderReport,
  unixUsToNtp,
} from './rtcp-sender-report.js';

test('NTP conversion: the Unix epoch is 2208988800 s after the NTP epoch, fractions round trip', () => {
  assert.equal(unixUsToNtp(0n), 2_208_988_800n << 32n);
  assert.equal(unixUsToNtp(500_000n), (2_208_988_800n << 32n) + 2n ** 31n);
  for (const us of [0n, 1n, 999_999n, 1_700_000_000_123_456n]) assert.equal(ntpToUnixUs(unixUsToNtp(us)), us);
});

test('sender report packs to 28 bytes and parses back', () => {
  const sr = {
    ssrc: 0xdeadbeef,
    ntpTimestamp: unixUsToNtp(1_700_000_000_250_000n),
    rtpTimestamp: 0xfffffff0,
    packetCount: 1234,
    octetCount: 567_890,
  };
  const bytes = serializeSenderReport(sr);
  assert.equal(bytes.length, 28);
  assert.equal(bytes.toString('hex').slice(0, 8), '80c80006');
  assert.deepEqual(parseSenderReport(bytes), sr);
  assert.ok(isRtcpPacket(bytes));
  assert.deepEqual(
    splitCompoundRtcp(bytes)?.map((p) => p.packetType),
    [200],
  );
});

test('the RTP time an SR implies for another wallclock moves at the clock rate and wraps at 2^32', () => {
  const anchor = { unixUs: 1_000_000n, rtpTimestamp: 0xffff_ff00 };
  assert.equal(rtpTimestampAtWallclock(anchor, 1_000_000n, 90_000), 0xffff_ff00);
  assert.equal(rtpTimestampAtWallclock(anchor, 2_000_000n, 90_000), (0xffff_ff00 + 90_000) % 2 ** 32);
  assert.equal(rtpTimestampAtWallclock(anchor, 1_000_100n, 90_000), 0xffff_ff00 + 9);
});

test('receiver reports: a compound RR + SDES as FFmpeg sends it', () => {
  // RR with one report block, then SDES CNAME "ab" (padded), as one datagram.
  const rr = Buffer.alloc(32);
  rr.writeUInt8(0x81, 0);
  rr.writeUInt8(201, 1);
  rr.writeUInt16BE(7, 2);
  rr.writeUInt32BE(0x11111111, 4); // reporter
  rr.writeUInt32BE(0xdeadbeef, 8); // source
  rr.writeUInt32BE((3 << 24) | 42, 12); // fraction lost 3, cumulative 42
  rr.writeUInt32BE(0x0001_0010, 16);
  rr.writeUInt32BE(77, 20); // jitter
  const sdes = Buffer.from([0x81, 202, 0, 2, 0x11, 0x11, 0x11, 0x11, 1, 2, 0x61, 0x62]);
  const reports = parseReceiverReports(Buffer.concat([rr, sdes]));
  assert.deepEqual(reports, [
    {
      reporterSsrc: 0x11111111,
      blocks: [{ ssrc: 0xdeadbeef, fractionLost: 3, cumulativeLost: 42, highestSeq: 0x10010, jitter: 77 }],
    },
  ]);
});

test('garbage is not RTCP, truncated compounds are rejected', () => {
  assert.equal(splitCompoundRtcp(Buffer.from('hello world!')), undefined);
  assert.equal(splitCompoundRtcp(Buffer.from([0x80, 200, 0, 6, 0, 0])), undefined);
  assert.deepEqual(parseReceiverReports(Buffer.from([0x80, 201, 0, 9])), []);
});

test('end of stream is an RR + BYE compound of 16 bytes with our SSRC in both', () => {
  const bye = serializeReceiverReportBye(0xcafebabe);
  assert.equal(bye.toString('hex'), '80c90001cafebabe81cb0001cafebabe');
  assert.deepEqual(
    splitCompoundRtcp(bye)?.map((p) => [p.packetType, p.count]),
    [
      [201, 0],
      [203, 1],
    ],
  );
});
