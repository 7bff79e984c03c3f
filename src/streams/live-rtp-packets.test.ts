import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MediaUnit } from '../core/media-unit.js';
import { H264Depacketizer, parseRtpPacket } from '../rtp/index.js';
import { LiveRtpPackets } from './live-rtp-packets.js';

const SC = Buffer.from([0, 0, 0, 1]);

/** An H.264 access unit of `size` bytes in one IDR or non-IDR slice, bytes varying with `seed`. */
function unit(seed: number, size: number, key: boolean, rtpTimestamp: number): MediaUnit {
  const nal = Buffer.alloc(size);
  nal[0] = key ? 0x65 : 0x41;
  nal[1] = 0x88; // first_mb_in_slice = 0: the picture's first slice
  for (let i = 2; i < size; i++) nal[i] = (i * 31 + seed * 7) & 0xff || 1;
  return {
    timeBase: { num: 1, den: 90_000 },
    pts: BigInt(rtpTimestamp),
    dts: BigInt(rtpTimestamp),
    key,
    ntpMs: null,
    receivedAtMs: 0,
    rtpTimestamp,
    data: Buffer.concat([SC, nal]),
  };
}

/** The packets of a FramedRtpUnit: each prefix checked, the RTP packets parsed. */
function packetsOf(data: Buffer) {
  const out = [];
  for (let at = 0; at < data.length;) {
    assert.equal(data[at], 0x24, 'each packet starts with $');
    assert.equal(data[at + 1], 0, 'on channel 0');
    const length = data.readUInt16BE(at + 2);
    out.push(parseRtpPacket(Buffer.from(data.subarray(at + 4, at + 4 + length)))!);
    at += 4 + length;
  }
  return out;
}

test('a unit is packetized once for every viewer: same bytes, consecutive sequence numbers across units, depacketized back whole', () => {
  const packets = new LiveRtpPackets('h264');
  const a = unit(1, 5000, true, 1000);
  const b = unit(2, 700, false, 4600);
  const first = packets.of(a);
  const firstBytes = Buffer.from(first.data);
  const second = packets.of(b);
  const again = packets.of(a);
  assert.equal(again.firstSeq, first.firstSeq, 'a unit asked for again keeps its sequence numbers');
  assert.deepEqual(Buffer.from(again.data), firstBytes, 'and its bytes');
  assert.equal(second.firstSeq, (first.firstSeq + first.count) & 0xffff);
  const units: Buffer[] = [];
  const d = new H264Depacketizer((au) => units.push(Buffer.from(au.data)));
  for (const [u, made] of [
    [a, packets.of(a)],
    [b, packets.of(b)],
  ] as const) {
    const rtp = packetsOf(Buffer.from(made.data));
    assert.equal(rtp.length, made.count);
    rtp.forEach((p, i) => {
      assert.equal(p.seq, (made.firstSeq + i) & 0xffff);
      assert.equal(p.ssrc, packets.ssrc);
      assert.equal(p.timestamp, u.rtpTimestamp);
      assert.equal(p.marker, i === rtp.length - 1);
      d.push(p.payload, p.timestamp, p.marker, false);
    });
  }
  assert.deepEqual(units, [a.data, b.data]);
});

test('the ring is written over: a unit whose packets were overwritten is packetized again, correctly', () => {
  const packets = new LiveRtpPackets('h264', 16 * 1024);
  const old = unit(9, 6000, true, 0);
  const oldFirst = packets.of(old).firstSeq;
  const later = [1, 2, 3, 4].map((i) => unit(i, 5000, false, i * 3600));
  for (const u of later) packets.of(u);
  const remade = packets.of(old);
  assert.notEqual(remade.firstSeq, oldFirst, 'new sequence numbers: the old packets are gone');
  const units: Buffer[] = [];
  const d = new H264Depacketizer((au) => units.push(Buffer.from(au.data)));
  for (const p of packetsOf(Buffer.from(remade.data))) d.push(p.payload, p.timestamp, p.marker, false);
  assert.deepEqual(units, [old.data], 'the remade packets carry the unit, not what overwrote it');
  const last = later.at(-1)!;
  const lastMade = packets.of(last);
  const lastUnits: Buffer[] = [];
  const d2 = new H264Depacketizer((au) => lastUnits.push(Buffer.from(au.data)));
  for (const p of packetsOf(Buffer.from(lastMade.data))) d2.push(p.payload, p.timestamp, p.marker, false);
  assert.deepEqual(lastUnits, [last.data]);
});
