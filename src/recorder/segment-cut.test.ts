import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideCut } from './segment-cut.js';

const SEG = 2n * 90_000n; // 2 s
const JUMP = 10n * 90_000n; // 10 s
const BACK = 90_000n; // 1 s
const seg = { firstPtsTicks: 90_000n, lastDtsTicks: 200_000n, maxPtsTicks: 207_000n };
const u = (pts: bigint, dts: bigint, key = false) => ({ pts, dts, key });

test('frames go on in the segment until a keyframe past the segment length', () => {
  assert.equal(decideCut(seg, u(203_000n, 201_500n), SEG, JUMP, BACK), 'write');
  assert.equal(decideCut(seg, u(269_999n, 269_999n, true), SEG, JUMP, BACK), 'write', 'keyframe before 2 s');
  assert.equal(
    decideCut(seg, u(270_000n, 269_000n, false), SEG, JUMP, BACK),
    'write',
    'past 2 s but not a keyframe',
  );
  assert.equal(decideCut(seg, u(270_000n, 270_000n, true), SEG, JUMP, BACK), 'rollover');
});

test('timestamps that go back or leap forward start a new segment', () => {
  assert.equal(
    decideCut(seg, u(3000n, 0n, true), SEG, JUMP, BACK),
    'reset',
    'back to 0 (a restarted source clock)',
  );
  assert.equal(decideCut(seg, u(-100_000n, 0n), SEG, JUMP, BACK), 'reset', 'pts before the last dts');
  assert.equal(decideCut(seg, u(2_000_000n, 2_000_000n), SEG, JUMP, BACK), 'reset', '20 s forward');
  assert.equal(
    decideCut(seg, u(1_100_000n, 1_100_000n), SEG, JUMP, BACK),
    'write',
    '10 s forward is a pause, not a reset',
  );
});

test('a dts that does not increase is a reset, even while the pts is ahead', () => {
  assert.equal(decideCut(seg, u(210_000n, 200_000n), SEG, JUMP, BACK), 'reset', 'equal dts');
  assert.equal(decideCut(seg, u(210_000n, 192_800n), SEG, JUMP, BACK), 'reset', '80 ms back');
  assert.equal(decideCut(seg, u(210_000n, 200_001n), SEG, JUMP, BACK), 'write', 'one tick on');
});
