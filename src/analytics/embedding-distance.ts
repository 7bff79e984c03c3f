/**
 * The embedding space of dlib's ResNet-29 (through face-api.js): 128 numbers per face; two faces of
 * the same person lie less than 0.6 apart in Euclidean distance (models/README.md §2).
 */

export const EMBEDDING_SIZE = 128;
/** dlib / face-api.js convention: below this Euclidean distance two faces are the same person. */
export const SAME_PERSON_DISTANCE = 0.6;

/** Euclidean distance between two embeddings (any numeric arrays, e.g. rows read from the database). */
export function embeddingDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`embedding lengths differ: ${a.length} and ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return Math.sqrt(s);
}

/** Element-wise mean of embeddings (the centre of a person's faces). */
export function meanEmbedding(list: readonly ArrayLike<number>[]): Float32Array {
  if (list.length === 0) throw new RangeError('no embeddings to average');
  const out = new Float32Array(list[0]!.length);
  for (const e of list) for (let i = 0; i < out.length; i++) out[i]! += e[i]!;
  for (let i = 0; i < out.length; i++) out[i]! /= list.length;
  return out;
}
