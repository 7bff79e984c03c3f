import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Packet } from 'node-av/lib';
import { firstPtsWithoutWallclock, repairLeadingTimestamps, type HeldUnit } from './libav-rtsp-repair.js';

const tb = { num: 1, den: 90_000 };
const unit = (
  pts: bigint | null,
  dts: bigint | null,
  key = false,
  prftUs: bigint | null = null,
): HeldUnit => ({
  packet: {} as Packet,
  pts,
  dts,
  key,
  receivedAtMs: 0,
  prftUs,
});

test('first unit without pts and leading units without dts (B-frames), RTP base at the first frame', () => {
  // As libavformat hands over the fixture h264-mp4-ms (pts 0, 5850, 1530, 3060 ...) from gst-rtsp-server.
  const held = [unit(null, null, true), unit(5850n, null), unit(1530n, null)];
  const more = [3060n, 11700n, 7650n, 9180n, 13500n, 17100n, 15300n];
  for (const p of more.slice(0, 1)) held.push(unit(p, 1530n));
  assert.equal(repairLeadingTimestamps(held, tb), false, 'waits for enough frames to judge the first pts');
  for (const p of more.slice(1)) held.push(unit(p, p));
  assert.equal(repairLeadingTimestamps(held, tb), true);
  assert.equal(held[0]!.pts, 0n);
  assert.equal(held[0]!.ptsEstimated, undefined);
  const dts = held.map((u) => u.dts!);
  for (let i = 1; i < 4; i++) assert.ok(dts[i]! > dts[i - 1]!, 'dts increase');
  for (const u of held) assert.ok(u.dts! <= u.pts!, 'dts <= pts');
});

test('first unit with PRFT: pts from the wallclock offset of the following units', () => {
  const wall0 = 1_700_000_000_000_000n; // µs of pts 0
  const held = [unit(null, 0n, true, wall0 + 34_000n), unit(6120n, 3060n, false, wall0 + 68_000n)];
  assert.equal(repairLeadingTimestamps(held, tb), true);
  assert.equal(held[0]!.pts, 3060n); // 34 ms at 90 kHz
});

test('a first frame far before the others (RTP-Info base at npt 0 of a file starting at 1 s) is estimated', () => {
  assert.equal(
    firstPtsWithoutWallclock([101465n, 93000n, 91500n, 95784n, 113504n, 106174n, 104041n]),
    90000n,
  );
  assert.equal(firstPtsWithoutWallclock([1530n, 3060n, 5850n, 7650n]), 0n);
});

test('gives up after MAX_HELD_UNITS without a dts and passes the units on with dts = pts', () => {
  const held = [unit(0n, null, true)];
  for (let i = 1; i < 64; i++) held.push(unit(BigInt(i * 3000), null));
  assert.equal(repairLeadingTimestamps(held, tb), true);
  assert.ok(held.every((u) => u.dts === u.pts));
});
