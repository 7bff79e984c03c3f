/**
 * kadr's RTP depacketizers (src/rtp) against a real packetizer: libavformat's RTP muxer (RtpPacketizer,
 * RFC 6184 / RFC 7798 with STAP-A/AP aggregation and FU-A/FU fragmentation) fed with files Debian's
 * ffmpeg encoded. Every access unit must come back with the same NAL units, keyframe flag and
 * timestamp; the SPS readers must agree with ffprobe on picture size and reorder depth.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import '../core/polyfill.js';
import { Demuxer } from 'node-av/api';
import { parseH264Sps, parseHevcSps } from '../codecs/index.js';
import { rescale, RTP_VIDEO_TIME_BASE } from '../core/rational.js';
import {
  type AccessUnit,
  H264Depacketizer,
  HevcDepacketizer,
  parseRtpPacket,
  DamageTracker,
  RtpReorderBuffer,
  RtpTimestampUnwrapper,
} from '../rtp/index.js';
import { RtpPacketizer } from './rtp-packetizer.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kadr-depack-'));
const files: Record<string, string> = {};

function encode(name: string, args: string[]): string {
  const file = path.join(tmp, name);
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=330x186:r=25',
    '-frames:v',
    '30',
    ...args,
    file,
  ]);
  return file;
}

before(() => {
  // Odd sizes: the SPS carries cropping. B-frames: decode order differs from presentation order.
  // MPEG-TS: parameter sets in-band, so the packetizer aggregates them (STAP-A / AP).
  files.h264 = encode('h264.ts', ['-c:v', 'libx264', '-g', '10', '-bf', '3', '-x264-params', 'scenecut=0']);
  files.h264base = encode('h264-base.ts', ['-c:v', 'libx264', '-profile:v', 'baseline', '-g', '12']);
  files.hevc = encode('hevc.ts', [
    '-c:v',
    'libx265',
    '-g',
    '10',
    '-bf',
    '2',
    '-x265-params',
    'log-level=error',
  ]);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

interface SourceUnit {
  nals: Buffer[];
  key: boolean;
  rtpTicks: bigint;
}

/** Packetizes a file's video; returns the RTP packets and, per packet sent, what went in. */
async function packetize(file: string, maxPacketSize: number) {
  const demuxer = await Demuxer.open(file, { copyTs: true });
  const stream = demuxer.video()!;
  const rtp: Buffer[] = [];
  const packetizer = RtpPacketizer.forStream(stream, {
    ssrc: 0x1234,
    seq: 65500, // wraps the 16-bit sequence number during the test
    maxPacketSize,
    onRtp: (p) => rtp.push(Buffer.from(p)),
  });
  const units: SourceUnit[] = [];
  const tb = { num: stream.timeBase.num, den: stream.timeBase.den };
  for (const packet of demuxer.packetsSync(stream.index)) {
    if (!packet) break;
    units.push({
      nals: annexBNals(Buffer.from(packet.data!)),
      key: packet.isKeyframe,
      rtpTicks: rescale(packet.pts, tb, RTP_VIDEO_TIME_BASE),
    });
    packetizer.write(packet);
    packet.free();
  }
  const par = stream.codecpar;
  const probe = { width: par.width, height: par.height, reorder: par.videoDelay };
  packetizer.close();
  await demuxer.close();
  return { rtp, units, probe };
}

/** Annex B into NAL units: 3- or 4-byte start codes; a zero byte before a start code is not NAL data. */
function annexBNals(data: Buffer): Buffer[] {
  const starts: number[] = [];
  for (let i = 0; i + 3 <= data.length; i++) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) starts.push(i);
  }
  return starts.map((s, k) => {
    let end = k + 1 < starts.length ? starts[k + 1]! : data.length;
    if (k + 1 < starts.length && data[end - 1] === 0) end--;
    return data.subarray(s + 3, end);
  });
}

/**
 * depth 0 is the TCP case: every packet is read into the same scratch buffer (as rtsp-client.ts reads
 * a socket into one reused buffer), so nothing may keep a view of it. depth > 0 is UDP: fresh buffers,
 * and a reorder window of `depth` ms where each packet arrives `msPerPacket` after the one before.
 */
function depacketize(
  codec: 'h264' | 'hevc',
  rtp: Buffer[],
  depth = 0,
  order = (p: Buffer[]) => p,
  msPerPacket = 1,
) {
  const aus: { au: AccessUnit; nals: Buffer[]; pts: bigint }[] = [];
  const unwrap = new RtpTimestampUnwrapper();
  const onUnit = (au: AccessUnit) => {
    // The unit's buffer is reused for the next one: keep a copy.
    const data = Buffer.from(au.data);
    aus.push({ au: { ...au, data }, nals: annexBNals(data), pts: unwrap.unwrap(au.timestamp) });
  };
  const dep = codec === 'h264' ? new H264Depacketizer(onUnit) : new HevcDepacketizer(onUnit);
  let clock = 0;
  const reorder = new RtpReorderBuffer({ maxDelayMs: depth, now: () => clock }, (p, lost) =>
    dep.push(p.payload, p.timestamp, p.marker, lost),
  );
  const scratch = Buffer.alloc(2048);
  for (const raw of order(rtp)) {
    clock += msPerPacket;
    let buf = raw;
    if (depth === 0) {
      raw.copy(scratch);
      buf = scratch.subarray(0, raw.length);
    }
    reorder.push(parseRtpPacket(buf)!);
    if (depth === 0) scratch.fill(0xee);
  }
  reorder.flush();
  dep.flush();
  return { aus, dep, reorder };
}

function assertSameUnits(
  codec: 'h264' | 'hevc',
  units: SourceUnit[],
  got: ReturnType<typeof depacketize>['aus'],
) {
  assert.equal(got.length, units.length, 'one access unit per source packet');
  got.forEach((g, i) => {
    const u = units[i]!;
    assert.equal(g.nals.length, u.nals.length, `unit ${i}: NAL count`);
    g.nals.forEach((nal, k) => assert.ok(nal.equals(u.nals[k]!), `unit ${i}: NAL ${k} identical`));
    assert.equal(g.au.key, u.key, `unit ${i}: keyframe flag`);
    assert.equal(g.au.damaged, false);
    // RTP time of each unit = the packetizer's base + pts at 90 kHz: differences are exact.
    assert.equal(g.pts, u.rtpTicks - units[0]!.rtpTicks, `unit ${i} (${codec}): pts`);
  });
}

test('H.264 (B-frames): FU-A, STAP-A and single NAL packets back into identical access units', async () => {
  const { rtp, units } = await packetize(files.h264!, 300);
  const kinds = new Set(rtp.map((b) => parseRtpPacket(b)!.payload[0]! & 0x1f));
  assert.ok(kinds.has(28), 'FU-A packets');
  assert.ok(kinds.has(24), 'STAP-A packets');
  assert.ok(
    [...kinds].some((k) => k >= 1 && k <= 23),
    'single NAL unit packets',
  );
  const { aus, dep } = depacketize('h264', rtp);
  assertSameUnits('h264', units, aus);
  assert.equal(dep.parameterSets().length, 2, 'SPS and PPS seen in-band');
});

test('H.265 (B-frames): FU, AP and single NAL packets back into identical access units', async () => {
  const { rtp, units } = await packetize(files.hevc!, 300);
  const kinds = new Set(rtp.map((b) => (parseRtpPacket(b)!.payload[0]! >> 1) & 0x3f));
  assert.ok(kinds.has(49), 'FU packets');
  assert.ok(kinds.has(48), 'aggregation packets');
  const { aus, dep } = depacketize('hevc', rtp);
  assertSameUnits('hevc', units, aus);
  assert.equal(dep.parameterSets().length, 3, 'VPS, SPS and PPS seen in-band');
});

test('UDP order: shuffled packets are put back in order; a lost packet marks its unit damaged', async () => {
  const { rtp, units } = await packetize(files.h264!, 300);
  // Swap neighbours pairwise, the first packets too, and move every 7th packet 5 places later.
  const swapped = depacketize('h264', rtp, 64, (p) => {
    const out = [...p];
    for (let i = 0; i + 1 < out.length; i += 2) [out[i], out[i + 1]] = [out[i + 1]!, out[i]!];
    for (let i = 7; i + 5 < out.length; i += 7) out.splice(i + 5, 0, ...out.splice(i, 1));
    out.push(out[3]!); // and a duplicate, late
    return out;
  });
  assertSameUnits('h264', units, swapped.aus);
  // Drop one packet in the middle of a fragmented unit.
  const fuAt = rtp.findIndex(
    (b, i) =>
      i > 20 &&
      (parseRtpPacket(b)!.payload[0]! & 0x1f) === 28 &&
      (parseRtpPacket(b)!.payload[1]! & 0xc0) === 0,
  );
  const lossy = depacketize('h264', rtp, 64, (p) => p.filter((_, i) => i !== fuAt));
  assert.equal(lossy.reorder.lostPackets, 1);
  assert.equal(lossy.aus.filter((a) => a.au.damaged).length, 1, 'exactly the unit with the gap is damaged');
  assert.equal(lossy.aus.length, units.length, 'the damaged unit is kept, the others are whole');
  const at = lossy.aus.findIndex((a) => a.au.damaged);
  const cut = lossy.aus[at]!;
  const whole = units[at]!;
  assert.equal(cut.nals.length, whole.nals.length, 'the cut slice is kept with the NAL units around it');
  cut.nals.forEach((nal, k) => {
    assert.ok(nal.length <= whole.nals[k]!.length);
    assert.ok(nal.equals(whole.nals[k]!.subarray(0, nal.length)), `NAL ${k}: what arrived before the gap`);
  });
  assert.ok(
    cut.nals.some((nal, k) => nal.length < whole.nals[k]!.length),
    'the slice with the lost fragment ends at the gap',
  );
});

test('UDP start: the first packets out of order, the first keyframe is still kept', async () => {
  const { rtp, units } = await packetize(files.h264!, 300);
  // The first 12 packets arrive in reverse: the session must start at the lowest sequence number.
  const got = depacketize('h264', rtp, 100, (p) => [...p.slice(0, 12).reverse(), ...p.slice(12)]);
  assertSameUnits('h264', units, got.aus);
  assert.equal(got.reorder.lostPackets, 0);
});

test('UDP keyframe burst: a packet overtaken by 150 others within a few ms is put back', async () => {
  const { rtp, units } = await packetize(files.h264!, 300);
  assert.ok(rtp.length > 190);
  // Packets 20 µs apart (a keyframe burst at line rate); packet 30 arrives after packet 180 (3 ms late).
  const got = depacketize(
    'h264',
    rtp,
    100,
    (p) => {
      const out = [...p];
      out.splice(180, 0, ...out.splice(30, 1));
      return out;
    },
    0.02,
  );
  assert.equal(got.reorder.lostPackets, 0, 'not given up as lost (a 64-packet window would)');
  assertSameUnits('h264', units, got.aus);
});

test('damage: a lost packet damages its unit and every unit predicted from it until the next IDR', async () => {
  const { rtp, units } = await packetize(files.h264!, 300);
  const seqOf = (b: Buffer) => parseRtpPacket(b)!.seq;
  // Packet positions of each unit: find a unit after the first keyframe that is a reference picture.
  const keyAt = units.findIndex((u, i) => i > 0 && u.key);
  const lost = rtp.findIndex(
    (b, i) =>
      i > 10 &&
      (parseRtpPacket(b)!.payload[0]! & 0x60) !== 0 &&
      (parseRtpPacket(b)!.payload[0]! & 0x1f) === 28 &&
      i < rtp.length / 4,
  );
  const got = depacketize('h264', rtp, 64, (p) => p.filter((b) => seqOf(b) !== seqOf(rtp[lost]!)));
  const tracker = new DamageTracker();
  const flags = got.aus.map((a) => tracker.unit(a.au));
  const first = flags.findIndex((f) => f.incomplete);
  assert.ok(first >= 0 && first < keyAt, 'the unit that lost the packet');
  assert.equal(flags.filter((f) => f.incomplete).length, 1);
  for (let i = 0; i < flags.length; i++) {
    const expected = i >= first && i < keyAt;
    assert.equal(
      flags[i]!.damaged,
      expected,
      `unit ${i}: damaged ${expected} (loss at ${first}, next IDR ${keyAt})`,
    );
  }
  assert.equal(got.aus.length, units.length, 'every unit is kept');
});

test('SPS readers agree with FFmpeg on picture size (cropped) and reorder depth', async () => {
  for (const [name, codec] of [
    ['h264', 'h264'],
    ['h264base', 'h264'],
    ['hevc', 'hevc'],
  ] as const) {
    const { rtp, probe } = await packetize(files[name]!, 1400);
    const { dep } = depacketize(codec, rtp);
    const sps = codec === 'h264' ? parseH264Sps(dep.sps!) : parseHevcSps(dep.sps!);
    assert.equal(sps.width, 330, `${name}: width`);
    assert.equal(sps.height, 186, `${name}: height`);
    assert.equal(sps.width, probe.width);
    assert.equal(sps.height, probe.height);
    assert.equal(sps.reorderFrames, probe.reorder, `${name}: reorder depth = has_b_frames`);
  }
});

test('RTP timestamps: unwrapped through 2^32, and a step back stays a step back', () => {
  const u = new RtpTimestampUnwrapper();
  const start = 2 ** 32 - 3000;
  assert.equal(u.unwrap(start), 0n);
  assert.equal(u.unwrap(start + 3000 - 2 ** 32 + 600), 3600n); // wrapped
  assert.equal(u.unwrap(1200 + 3000 - 3000), 4200n);
  // The source jumps 4 s back: raw 1200 -> raw 1200 - 360000 (below 0, so it wraps too).
  assert.equal(u.unwrap((1200 - 360_000 + 2 ** 32) % 2 ** 32), 4200n - 360_000n);
});
