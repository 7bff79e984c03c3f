import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterTracks, faceQuality, matchProfile } from './face-clustering.js';
import { embeddingDistance, meanEmbedding } from './embedding-distance.js';
import { frontality } from './face-chip.js';

/** A unit-ish vector along axis k, plus a small offset on axis 127 (different per sample). */
const emb = (k: number, jitter = 0) => {
  const e = new Float32Array(128);
  e[k] = 1;
  e[127] = jitter;
  return e;
};

test('embedding distance and mean', () => {
  assert.ok(Math.abs(embeddingDistance(emb(0), emb(1)) - Math.SQRT2) < 1e-6);
  assert.deepEqual([...meanEmbedding([emb(0), emb(1)]).slice(0, 2)], [0.5, 0.5]);
  assert.throws(() => embeddingDistance(new Float32Array(2), new Float32Array(3)), RangeError);
});

test('tracks of one person merge, other people stay apart', () => {
  const tracks = [
    { embeddings: [emb(0, 0.1), emb(0, 0.2)] },
    { embeddings: [emb(1)] },
    { embeddings: [emb(0, 0.3)] },
    { embeddings: [] }, // never embedded (faces too small): no person
    { embeddings: [emb(2)] },
  ];
  assert.deepEqual(clusterTracks(tracks, 0.6), [[0, 2], [1], [4]]);
});

test('the threshold is tunable', () => {
  const tracks = [{ embeddings: [emb(0)] }, { embeddings: [emb(0, 0.5)] }];
  assert.equal(clusterTracks(tracks, 0.6).length, 1);
  assert.equal(clusterTracks(tracks, 0.4).length, 2);
});

test('average linkage does not chain through one bridging track', () => {
  // a and c are 1.0 apart; b sits between them (0.5 from each): single linkage would merge all.
  const a = new Float32Array(128);
  const b = new Float32Array(128);
  const c = new Float32Array(128);
  b[0] = 0.5;
  c[0] = 1.0;
  const groups = clusterTracks([{ embeddings: [a] }, { embeddings: [b] }, { embeddings: [c] }], 0.6);
  assert.equal(groups.length, 2);
});

test('matching picks the nearest known profile under the threshold, or none', () => {
  const profiles = [
    { id: 'x', embeddings: [emb(0)] },
    { id: 'y', embeddings: [emb(1), emb(0, 0.3)] },
    { id: 'empty', embeddings: [] },
  ];
  assert.equal(matchProfile([emb(0, 0.05)], profiles)!.profileId, 'x');
  assert.equal(matchProfile([emb(1, 0.1)], profiles)!.profileId, 'y');
  assert.equal(matchProfile([emb(5)], profiles), null);
  assert.equal(matchProfile([], profiles), null);
});

test('a profile is not named for a face nearer one of its negatives than its own faces', () => {
  // X's own face on axis 0; the operator said a face 0.3 from it (on axis 127) is not X, and gave it to N.
  const not = (d: number) => {
    const e = emb(0);
    e[127] = d;
    return e;
  };
  const x = { id: 'x', embeddings: [emb(0)], negatives: [not(0.3)] };
  const n = { id: 'n', embeddings: [not(0.3)] };
  // Nearer X's own face (0.1 from it, 0.2 from the negative): still X, with or without N.
  assert.equal(matchProfile([not(0.1)], [x, n])!.profileId, 'x');
  assert.equal(matchProfile([not(0.1)], [x])!.profileId, 'x');
  // Nearer the negative (0.2 from X's face, 0.1 from the negative): not X; N when N is known, else nobody.
  assert.equal(matchProfile([not(0.2)], [x, n])!.profileId, 'n');
  assert.equal(matchProfile([not(0.2)], [x]), null);
  assert.equal(matchProfile([not(0.2)], [{ id: 'x', embeddings: [emb(0)] }])!.profileId, 'x');
  // A person of several faces: the means decide (0.15 and 0.25 from X: 0.2; 0.15 and 0.05 from the negative: 0.1).
  assert.equal(matchProfile([not(0.15), not(0.25)], [x]), null);
  // A negative never makes a profile over the threshold match.
  const far = { id: 'far', embeddings: [emb(3)], negatives: [emb(3)] };
  assert.equal(matchProfile([not(0.2)], [far]), null);
});

test('quality prefers sharp, frontal, large faces', () => {
  const base = { sharpness: 300, frontality: 1, sizePx: 160, score: 0.95 };
  const q = faceQuality(base);
  assert.ok(faceQuality({ ...base, sharpness: 30 }) < q);
  assert.ok(faceQuality({ ...base, frontality: 0.6 }) < q);
  assert.ok(faceQuality({ ...base, sizePx: 50 }) < q);
});

test('frontality from landmarks: centred nose 1, nose at one eye about 0.5 or less', () => {
  const frontal: [number, number][] = [
    [30, 40],
    [70, 40],
    [50, 60],
    [35, 80],
    [65, 80],
  ];
  const turned: [number, number][] = [
    [30, 40],
    [70, 40],
    [34, 60],
    [35, 80],
    [65, 80],
  ];
  assert.equal(frontality(frontal), 1);
  assert.ok(frontality(turned) < 0.3);
});
