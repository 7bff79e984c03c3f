import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DtsRebuilder } from './dts-rebuild.js';

test('dts from pts for a B-frame GOP: increasing, never after pts', () => {
  // decode order of I P B B P B B (pts in frames of 3600 ticks), 2 B-frames: delay 2
  const pts = [0, 3, 1, 2, 6, 4, 5, 9, 7, 8].map((n) => BigInt(180_000 + n * 3600));
  const r = new DtsRebuilder(2);
  const dts = pts.map((p) => r.next(p));
  for (let i = 0; i < pts.length; i++) {
    assert.ok(dts[i] !== null && dts[i]! <= pts[i]!, `dts <= pts at ${i}`);
    if (i > 0) assert.ok(dts[i]! > dts[i - 1]!, `increasing at ${i}`);
  }
});

test('without B-frames dts = pts', () => {
  const r = new DtsRebuilder(0);
  assert.deepEqual(
    [10n, 20n, 30n].map((p) => r.next(p)),
    [10n, 20n, 30n],
  );
});

test('a window too small for the stream says so instead of a dts after the pts', () => {
  const r = new DtsRebuilder(0);
  r.next(100n);
  r.next(400n);
  assert.equal(r.next(200n), null);
});
