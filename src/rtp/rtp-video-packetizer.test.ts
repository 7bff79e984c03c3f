import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccessUnit } from './access-unit.js';
import { H264Depacketizer } from './h264-depacketizer.js';
import { HevcDepacketizer } from './hevc-depacketizer.js';
import { parseRtpPacket } from './rtp-packet.js';
import { RtpVideoPacketizer, splitAnnexB } from './rtp-video-packetizer.js';
import { liveVideoSdpSection } from './sdp-live-video.js';
import { parseSdpVideo } from './sdp-video.js';

const SC = Buffer.from([0, 0, 0, 1]);
const annexB = (...nals: Buffer[]) => Buffer.concat(nals.flatMap((n) => [SC, n]));
const filled = (head: number[], size: number) => {
  const b = Buffer.alloc(size);
  Buffer.from(head).copy(b);
  for (let i = head.length; i < size; i++) b[i] = (i * 7 + 3) & 0xff || 1;
  return b;
};

function roundTrip(codec: 'h264' | 'hevc', unit: Buffer, timestamp: number) {
  const p = new RtpVideoPacketizer({ codec, ssrc: 0x1234, seq: 65534, maxPacketSize: 200 });
  const out = p.packetize(unit, timestamp);
  const units: AccessUnit[] = [];
  const onUnit = (au: AccessUnit) => units.push({ ...au, data: Buffer.from(au.data) });
  const d = codec === 'h264' ? new H264Depacketizer(onUnit) : new HevcDepacketizer(onUnit);
  const packets = [];
  let at = 0;
  for (let i = 0; i < out.count; i++) {
    const bytes = out.data.subarray(at, at + out.lengths[i]!);
    at += out.lengths[i]!;
    assert.ok(bytes.length <= 200, 'no packet over the size');
    const rtp = parseRtpPacket(bytes)!;
    packets.push(rtp);
    d.push(rtp.payload, rtp.timestamp, rtp.marker, false);
  }
  assert.equal(at, out.data.length);
  return { packets, units, next: p.nextSeq };
}

test('H.264: single NAL packets and FU-A, marker on the last, the timestamp as given, seq wraps', () => {
  const sps = Buffer.from([0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9]);
  const pps = Buffer.from([0x68, 0xeb, 0xe3, 0xcb]);
  const idr = filled([0x65, 0x88, 0x84], 1000);
  const unit = annexB(sps, pps, idr);
  const { packets, units, next } = roundTrip('h264', unit, 0xffff_fff0);
  assert.equal(packets.length, 2 + Math.ceil((1000 - 1) / (200 - 12 - 2)));
  assert.deepEqual(packets.map((p) => p.seq).slice(0, 3), [65534, 65535, 0]);
  assert.equal(next, (65534 + packets.length) & 0xffff);
  assert.ok(packets.every((p) => p.timestamp === 0xffff_fff0 && p.ssrc === 0x1234 && p.payloadType === 96));
  assert.deepEqual(
    packets.map((p) => p.marker),
    packets.map((_, i) => i === packets.length - 1),
  );
  assert.equal(packets[2]!.payload[0], (0x65 & 0xe0) | 28, 'FU indicator: NRI of the NAL, type 28');
  assert.equal(packets[2]!.payload[1], 0x80 | 5, 'FU header: start, IDR');
  assert.equal(packets.at(-1)!.payload[1], 0x40 | 5, 'FU header: end');
  assert.equal(units.length, 1);
  assert.deepEqual(units[0]!.data, unit, 'the depacketizer gets back the same access unit');
  assert.ok(units[0]!.key);
});

test('H.265: single NAL packets and FUs (type 49, layer and TID kept), a round trip', () => {
  const vps = Buffer.from([0x40, 0x01, 0x0c, 0x01]);
  const sps = Buffer.from([0x42, 0x01, 0x01, 0x01, 0x60]);
  const pps = Buffer.from([0x44, 0x01, 0xc1, 0x72]);
  const idr = filled([0x26, 0x01, 0xaf], 700);
  const unit = annexB(vps, sps, pps, idr);
  const { packets, units } = roundTrip('hevc', unit, 90000);
  const fu = packets[3]!.payload;
  assert.equal((fu[0]! >> 1) & 0x3f, 49);
  assert.equal(fu[1], 0x01, 'TID kept');
  assert.equal(fu[2], 0x80 | 19, 'FU header: start, IDR_W_RADL');
  assert.equal(units.length, 1);
  assert.deepEqual(units[0]!.data, unit);
  assert.ok(units[0]!.key);
});

test('Annex B split: 3- and 4-byte start codes', () => {
  const data = Buffer.from([0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 9]);
  assert.deepEqual(splitAnnexB(data), [
    Buffer.from([0x09, 0xf0]),
    Buffer.from([0x67, 1, 2]),
    Buffer.from([0x68, 9]),
  ]);
});

test('SDP of a live track: what the client side of kadr reads back', () => {
  const sps = Buffer.from([0x67, 0x64, 0x00, 0x1f, 0xac]);
  const pps = Buffer.from([0x68, 0xeb]);
  const h264 = parseSdpVideo(
    [...liveVideoSdpSection('h264', [sps, pps]), 'a=control:track0'].join('\r\n'),
    'rtsp://h/m',
  )!;
  assert.equal(h264.encoding, 'H264');
  assert.equal(h264.fmtp.get('packetization-mode'), '1');
  assert.equal(h264.fmtp.get('profile-level-id'), '64001f');
  assert.deepEqual(h264.parameterSets, [sps, pps]);
  const vps = Buffer.from([0x40, 0x01]);
  const hsps = Buffer.from([0x42, 0x01, 1]);
  const hpps = Buffer.from([0x44, 0x01, 2]);
  const hevc = parseSdpVideo(liveVideoSdpSection('hevc', [vps, hsps, hpps]).join('\r\n'), 'rtsp://h/m')!;
  assert.equal(hevc.encoding, 'H265');
  assert.deepEqual(hevc.parameterSets, [vps, hsps, hpps]);
});
