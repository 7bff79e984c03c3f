import assert from 'node:assert/strict';
import { test } from 'node:test';
import { separateApart } from './apart-people.js';

const emb = (k: number, jitter = 0) => {
  const e = new Float32Array(128);
  e[k] = 1;
  e[127] = jitter;
  return e;
};
const known = [
  { id: 'x', embeddings: [emb(0)] },
  { id: 'y', embeddings: [emb(1)] },
];
// Two tracks clustered into one person: x's face 0–1900 ms, y's face 2000–3900 ms.
const person = {
  embeddings: [emb(0, 0.1), emb(0, 0.2), emb(1, 0.1), emb(1, 0.2), emb(1, 0.3)],
  embeddingMs: [100, 1500, 2100, 2500, 3800],
  appearances: [
    { firstMs: 0, lastMs: 1900 },
    { firstMs: 2000, lastMs: 3900 },
  ],
};

test('faces of two profiles set apart: the person is cut into one piece per profile', () => {
  const pieces = separateApart(person, known, (a, b) => a !== b, 0.6);
  assert.deepEqual(pieces, [
    { appearances: [0], embeddings: [0, 1] },
    { appearances: [1], embeddings: [2, 3, 4] },
  ]);
});

test('not set apart, or faces of one profile only: nothing to cut', () => {
  assert.equal(
    separateApart(person, known, () => false, 0.6),
    null,
  );
  const one = { ...person, embeddings: person.embeddings.map(() => emb(0, 0.1)) };
  assert.equal(
    separateApart(one, known, () => true, 0.6),
    null,
  );
});

test('a stretch is given to the profile most of its faces are nearest to', () => {
  // One track across a cut the tracker missed: x twice, y once; it stays whole, with x.
  const crossing = {
    embeddings: [emb(0), emb(0, 0.1), emb(1), emb(1, 0.1)],
    embeddingMs: [100, 500, 900, 2500],
    appearances: [
      { firstMs: 0, lastMs: 1000 },
      { firstMs: 2000, lastMs: 3000 },
    ],
  };
  assert.deepEqual(
    separateApart(crossing, known, (a, b) => a !== b, 0.6),
    [
      { appearances: [0], embeddings: [0, 1, 2] },
      { appearances: [1], embeddings: [3] },
    ],
  );
});
