/**
 * Fuzz targets: a parser each, its valid seed inputs, and the property checked on every input (valid,
 * mutated or from the corpus): no exception (a parser reports bad input in its own result, never by
 * throwing), no hang (each input is bounded in time by the driver), and memory bounded by the input.
 *
 * Depacketizer inputs are packet lists, one record per RTP payload:
 *   flags (1 byte: bit 0 marker, bit 1 lost) | timestamp (1 byte, small so units share it) |
 *   length (2 bytes, big endian) | payload
 * A record whose length runs past the end takes what is left.
 */
import assert from 'node:assert/strict';
import type { AccessUnit, Depacketizer } from '../../src/rtp/access-unit.js';
import { H264Depacketizer } from '../../src/rtp/h264-depacketizer.js';
import { HevcDepacketizer } from '../../src/rtp/hevc-depacketizer.js';
import { buildSessionSdp, splitSdp } from '../../src/rtp/sdp.js';
import { parseSdpVideo } from '../../src/rtp/sdp-video.js';
import { DigestAuth, parseDigestHeader } from '../../src/rtsp/digest-auth.js';
import { header } from '../../src/rtsp/message.js';
import { parseNptRange } from '../../src/rtsp/range.js';
import { defaultParserLimits, RtspRequestParser } from '../../src/rtsp/request-parser.js';
import { parseRequestTarget } from '../../src/rtsp/request-target.js';
import { chooseTransport } from '../../src/rtsp/transport.js';

const auth = new DigestAuth({ user: 'op', password: 'pw' });

export interface FuzzTarget {
  name: string;
  seeds: Buffer[];
  /** Throws (an assertion) when the property does not hold for `input`. */
  check(input: Buffer, random: () => number): void;
}

const requestSeeds = [
  'OPTIONS rtsp://127.0.0.1:8554/cam RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: Lavf59.27.100\r\n\r\n',
  'DESCRIBE rtsp://127.0.0.1:8554/cam RTSP/1.0\r\nAccept: application/sdp\r\nCSeq: 2\r\n' +
    'Authorization: Digest username="op", realm="kadr", nonce="lz1k.00ff", uri="rtsp://127.0.0.1:8554/cam", ' +
    'response="0123456789abcdef0123456789abcdef"\r\n\r\n',
  'SETUP rtsp://127.0.0.1:8554/cam/track0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n',
  'PLAY rtsp://127.0.0.1:8554/cam/ RTSP/1.0\r\nCSeq: 4\r\nSession: 0123456789abcdef\r\nRange: npt=0.000-\r\n\r\n',
  'SET_PARAMETER rtsp://h/cam RTSP/1.0\r\nCSeq: 5\r\nContent-Length: 10\r\nX-Folded: a\r\n  b\r\n\r\n0123456789',
  '\r\n\r\nGET_PARAMETER rtsp://h/cam RTSP/1.0\nCSeq: 6\n\n',
].map((s) => Buffer.from(s, 'latin1'));
// an RTCP receiver report on interleaved channel 1, then a request
requestSeeds.push(
  Buffer.concat([
    Buffer.from([0x24, 1, 0, 8, 0x80, 201, 0, 1, 0, 0, 0, 1]),
    Buffer.from('TEARDOWN rtsp://h/cam RTSP/1.0\r\nCSeq: 7\r\nSession: 0123456789abcdef\r\n\r\n'),
  ]),
);

const rtspRequest: FuzzTarget = {
  name: 'rtsp-request',
  seeds: requestSeeds,
  check(input, random) {
    const parser = new RtspRequestParser();
    // the same bytes in random chunks, as TCP may deliver them
    for (let at = 0; at < input.length;) {
      const n = 1 + Math.floor(random() * Math.min(input.length - at, 512));
      const events = parser.push(input.subarray(at, at + n));
      at += n;
      for (const e of events) {
        if (e.type === 'error') assert.ok(e.status >= 400 && e.status < 600);
        if (e.type !== 'request') continue;
        // what the server reads out of a request's fields, each of which the client controls
        const { uri, headers, method } = e.request;
        parseRequestTarget(uri);
        const range = header(headers, 'range');
        if (range !== undefined) parseNptRange(range);
        const transport = header(headers, 'transport');
        if (transport !== undefined) chooseTransport(transport);
        const authorization = header(headers, 'authorization');
        if (authorization !== undefined) parseDigestHeader(authorization);
        assert.equal(auth.verify(authorization, method, uri).ok, false);
      }
      const { maxHeaderBytes, maxBodyBytes } = defaultParserLimits;
      assert.ok(parser.bufferedBytes <= Math.max(maxHeaderBytes + maxBodyBytes, 4 + 65535) + 512);
    }
  },
};

const sdpSeeds = [
  buildSessionSdp({
    sessionName: 'cam',
    address: '127.0.0.1',
    durationSec: 9.5,
    mediaSections: [
      [
        'm=video 0 RTP/AVP 96',
        'a=rtpmap:96 H264/90000',
        'a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z0LAHtkDxWhAAAADAEAAAAwDxYuS,aMuMsg==; profile-level-id=42C01E',
        'a=control:track0',
      ],
    ],
  }),
  'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nt=0 0\r\na=control:*\r\na=range:npt=0-\r\n' +
    'm=video 0 RTP/AVP 96\r\na=rtpmap:96 H265/90000\r\n' +
    'a=fmtp:96 sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwBdlZgJ; sprop-sps=QgEBAWAAAAMAkAAAAwAAAwBdoAKAgC0WWVmkkyvAQA==; sprop-pps=RAHBcrRiQA==\r\n' +
    'a=control:rtsp://127.0.0.1:8554/cam/trackID=1\r\n',
  'v=0\ns=x\nm=audio 0 RTP/AVP 0\nm=video 0 RTP/AVP 26\na=control:video\n',
].map((s) => Buffer.from(s, 'latin1'));

const sdp: FuzzTarget = {
  name: 'sdp',
  seeds: sdpSeeds,
  check(input) {
    const text = input.toString('latin1');
    splitSdp(text);
    const track = parseSdpVideo(text, 'rtsp://127.0.0.1:8554/cam/');
    if (track) {
      assert.equal(typeof track.controlUrl, 'string');
      for (const p of track.parameterSets) assert.ok(p.length <= input.length);
    }
  },
};

/** Packs payloads in the depacketizer input format (see the file comment). */
export function packets(
  list: { payload: number[] | Buffer; ts?: number; marker?: boolean; lost?: boolean }[],
) {
  return Buffer.concat(
    list.flatMap((p) => {
      const payload = Buffer.from(p.payload);
      const head = Buffer.from([(p.marker ? 1 : 0) | (p.lost ? 2 : 0), p.ts ?? 0, 0, 0]);
      head.writeUInt16BE(payload.length, 2);
      return [head, payload];
    }),
  );
}

function runDepacketizer(make: (onUnit: (au: AccessUnit) => void) => Depacketizer, input: Buffer): void {
  let unitBytes = 0;
  const d = make((au) => {
    assert.ok(au.data.length > 0);
    unitBytes += au.data.length;
  });
  let records = 0;
  for (let at = 0; at + 4 <= input.length; records++) {
    const flags = input[at]!;
    const ts = input[at + 1]!;
    const length = input.readUInt16BE(at + 2);
    const payload = input.subarray(at + 4, Math.min(input.length, at + 4 + length));
    at += 4 + length;
    d.push(payload, ts, (flags & 1) !== 0, (flags & 2) !== 0);
  }
  d.flush();
  d.parameterSets();
  // what comes out is what went in plus a start code (and a rebuilt header) per NAL unit
  assert.ok(unitBytes <= input.length * 4 + 8 * records, `${unitBytes} bytes out of ${input.length}`);
}

const h264Seeds = [
  packets([
    { payload: [0x67, 0x42, 0xc0, 0x1e, 0xd9] }, // SPS
    { payload: [0x68, 0xcb, 0x8c, 0xb2] }, // PPS
    { payload: [0x7c, 0x85, 1, 2, 3, 4] }, // FU-A start, IDR
    { payload: [0x7c, 0x05, 5, 6, 7] },
    { payload: [0x7c, 0x45, 8, 9], marker: true }, // FU-A end
    { payload: [0x18, 0, 3, 0x06, 5, 0x80, 0, 2, 0x41, 0x9a], ts: 1, marker: true }, // STAP-A: SEI, slice
    { payload: [0x41, 0x9a, 0x02, 0x04], ts: 2, marker: true, lost: true },
  ]),
  packets([{ payload: [0x7c, 0xc5, 1, 2, 3], ts: 9, marker: true }]), // start and end in one FU-A
];

const hevcSeeds = [
  packets([
    { payload: [0x40, 0x01, 0x0c, 0x01, 0xff] }, // VPS
    { payload: [0x42, 0x01, 0x01, 0x01, 0x60] }, // SPS
    { payload: [0x44, 0x01, 0xc1, 0x72] }, // PPS
    { payload: [0x62, 0x01, 0x93, 0xaf, 0x01, 0x02] }, // FU start, IDR_N_LP (19)
    { payload: [0x62, 0x01, 0x13, 0x03, 0x04] },
    { payload: [0x62, 0x01, 0x53, 0x05], marker: true }, // FU end
    // AP: two NAL units of 3 bytes
    { payload: [0x60, 0x01, 0, 3, 0x02, 0x01, 0xd0, 0, 3, 0x02, 0x01, 0xd1], ts: 1, marker: true },
    { payload: [0x02, 0x01, 0xd0, 0x09], ts: 2, marker: true, lost: true },
  ]),
];

const h264: FuzzTarget = {
  name: 'h264-depacketizer',
  seeds: h264Seeds,
  check: (input) => runDepacketizer((onUnit) => new H264Depacketizer(onUnit), input),
};

const hevc: FuzzTarget = {
  name: 'hevc-depacketizer',
  seeds: hevcSeeds,
  check: (input) => runDepacketizer((onUnit) => new HevcDepacketizer(onUnit), input),
};

export const targets: FuzzTarget[] = [rtspRequest, sdp, h264, hevc];
