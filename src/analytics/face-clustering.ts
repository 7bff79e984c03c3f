/**
 * Turns face tracks into people. Each track carries a few embeddings of its best faces; tracks are
 * merged by average-linkage agglomerative clustering (the mean of all pairwise embedding distances
 * between two groups must stay under the threshold), which one odd frame cannot chain together the
 * way single linkage would. Each person is then matched against known profiles' embeddings (passed
 * in by the caller: analytics knows no database). Pure.
 */
import {
  embeddingDistance,
  SAME_PERSON_DISTANCE as DEFAULT_SAME_PERSON_DISTANCE,
} from './embedding-distance.js';

export interface ClusterInput {
  embeddings: readonly Float32Array[];
}

/**
 * Groups of input indices, one group per person. `threshold` is the Euclidean distance under which
 * two groups are the same person (default 0.6, dlib's bound for this model).
 */
export function clusterTracks(
  tracks: readonly ClusterInput[],
  threshold = DEFAULT_SAME_PERSON_DISTANCE,
): number[][] {
  const groups = tracks.map((_, i) => [i]).filter((g) => tracks[g[0]!]!.embeddings.length > 0);
  const dist = (a: number[], b: number[]) => {
    let sum = 0;
    let n = 0;
    for (const i of a)
      for (const j of b)
        for (const ei of tracks[i]!.embeddings)
          for (const ej of tracks[j]!.embeddings) {
            sum += embeddingDistance(ei, ej);
            n++;
          }
    return sum / n;
  };
  for (;;) {
    let best: { i: number; j: number; d: number } | undefined;
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        const d = dist(groups[i]!, groups[j]!);
        if (d < threshold && (!best || d < best.d)) best = { i, j, d };
      }
    }
    if (!best) break;
    groups[best.i] = [...groups[best.i]!, ...groups[best.j]!];
    groups.splice(best.j, 1);
  }
  return groups.map((g) => g.sort((a, b) => a - b)).sort((a, b) => a[0]! - b[0]!);
}

export interface KnownProfile {
  id: string;
  embeddings: readonly ArrayLike<number>[];
  /** Faces the operator said are not this person ("this is not X" of a camera's event). */
  negatives?: readonly ArrayLike<number>[];
}

export interface ProfileMatch {
  profileId: string;
  distance: number;
}

/** Mean over `embeddings` of the distance to the nearest of `to`. */
function meanNearest(embeddings: readonly ArrayLike<number>[], to: readonly ArrayLike<number>[]): number {
  let sum = 0;
  for (const e of embeddings) {
    let nearest = Infinity;
    for (const q of to) nearest = Math.min(nearest, embeddingDistance(e, q));
    sum += nearest;
  }
  return sum / embeddings.length;
}

/**
 * The known profile nearest to a person (mean distance from the person's embeddings to the
 * profile's closest embedding), if it is under `threshold`; otherwise null: a new person.
 *
 * A profile with negatives is left out when the person is nearer them than its own faces (the same mean
 * of nearest distances): the operator said such a face is someone else, and the next-nearest profile
 * under `threshold` may match instead. Negatives are measured only for profiles under `threshold`, so
 * they cost nothing for the profiles a face is far from.
 */
export function matchProfile(
  embeddings: readonly ArrayLike<number>[],
  profiles: readonly KnownProfile[],
  threshold = DEFAULT_SAME_PERSON_DISTANCE,
): ProfileMatch | null {
  if (embeddings.length === 0) return null;
  let best: ProfileMatch | null = null;
  for (const p of profiles) {
    if (p.embeddings.length === 0) continue;
    const distance = meanNearest(embeddings, p.embeddings);
    if (!(distance < threshold) || (best && distance >= best.distance)) continue;
    if (p.negatives && p.negatives.length > 0 && meanNearest(embeddings, p.negatives) < distance) continue;
    best = { profileId: p.id, distance };
  }
  return best;
}

/**
 * How good a face is for a profile crop and for embedding, 0…1: sharp (variance of the Laplacian
 * on the aligned chip), frontal (landmark symmetry), large (faces under ~40 px give poor
 * descriptors, models/README.md §4), and confidently detected.
 */
export function faceQuality(f: {
  sharpness: number;
  frontality: number;
  sizePx: number;
  score: number;
}): number {
  const sharp = f.sharpness / (f.sharpness + 150);
  const size = Math.min(1, f.sizePx / 160);
  return f.frontality * f.frontality * sharp * size * f.score;
}
