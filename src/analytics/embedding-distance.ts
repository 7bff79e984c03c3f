/**
 * The embedding space of dlib's ResNet-29 (through face-api.js): 128 numbers per face; two faces of
 * the same person lie less than 0.6 apart in Euclidean distance (models/README.md §2).
 */

export const EMBEDDING_SIZE = 128;
/**
 * Below this Euclidean distance two faces (or a person and a profile) are the same person. dlib and
 * face-api.js use 0.6; on kadr's evaluation set of real footage 0.55 groups the faces best
 * (docs/analytics-evaluation.md: the people of every labelled clip come out as exactly as many
 * profiles, where 0.6 merges two people in one clip and across clips).
 */
export const SAME_PERSON_DISTANCE = 0.55;

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
