import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrackIdentity } from './track-identity.js';

/** A 128-d embedding: `base` along axis `axis`, plus `noise` spread over the others. */
function emb(axis: number, noise = 0, seed = 1): Float32Array {
  const e = new Float32Array(128);
  let s = seed;
  for (let i = 0; i < 128; i++) {
    s = (s * 16807) % 2147483647;
    e[i] = ((s / 2147483647) * 2 - 1) * noise;
  }
  e[axis]! += 1;
  return e;
}

test('faces of the same person stay in the track; another person is refused, with the distance', () => {
  const g = new TrackIdentity({ splitDistance: 0.6 });
  assert.equal(g.check(7, emb(0, 0.02, 1)).same, true);
  const again = g.check(7, emb(0, 0.02, 2));
  assert.equal(again.same, true);
  assert.ok(again.distance < 0.6);
  const other = g.check(7, emb(5, 0.02, 3));
  assert.equal(other.same, false);
  assert.ok(Math.abs(other.distance - Math.SQRT2) < 0.1, `${other.distance}`);
});

test('a refused face does not move the reference; tracks are independent and forgotten when they end', () => {
  const g = new TrackIdentity({ splitDistance: 0.6 });
  g.check(1, emb(0));
  g.check(2, emb(5));
  assert.equal(g.check(1, emb(5)).same, false);
  assert.equal(g.check(1, emb(0)).same, true);
  assert.equal(g.check(2, emb(5)).same, true);
  g.forget(1);
  // after forget, track 1 starts afresh with whatever comes first
  assert.equal(g.check(1, emb(5)).same, true);
  assert.equal(g.check(1, emb(0)).same, false);
});
