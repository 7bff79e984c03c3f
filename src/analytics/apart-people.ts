/**
 * One rule of the operator's corrections (docs/profiles.md, "Corrections"): two profiles said to be two
 * people are never joined again by grouping. A person of a video is a group of tracks clustered
 * together; when some of its faces are nearest one profile and others nearest a profile set apart from
 * it, the clustering (or a track that ran across a cut) joined two people the operator already told
 * apart. The person is then cut into one piece per profile: each stretch on screen goes with the
 * profile most of its faces are nearest to. Pure: the caller hands in the profiles and the pairs.
 */
import { matchProfile, type KnownProfile } from './face-clustering.js';

export interface PersonFaces {
  embeddings: readonly ArrayLike<number>[];
  /** When each face was seen, ms, in the order of `embeddings`. */
  embeddingMs: readonly number[];
  /** The stretches on screen (one per track). */
  appearances: readonly { firstMs: number; lastMs: number }[];
}

/** One piece of a person: indices into its `appearances` and its `embeddings`. */
export interface PersonPiece {
  appearances: number[];
  embeddings: number[];
}

/**
 * The pieces of `person`, or null when nothing needs cutting (its faces do not fall on two profiles
 * that `apart` says are two people). `threshold` is the same-person distance of matching.
 */
export function separateApart(
  person: PersonFaces,
  known: readonly KnownProfile[],
  apart: (a: string, b: string) => boolean,
  threshold: number,
): PersonPiece[] | null {
  const nearest = person.embeddings.map((e) => matchProfile([e], known, threshold)?.profileId ?? null);
  const labels = [...new Set(nearest.filter((n): n is string => n !== null))];
  if (!labels.some((a, i) => labels.slice(i + 1).some((b) => apart(a, b)))) return null;

  const spanLabel = person.appearances.map((span) => {
    const votes = new Map<string, number>();
    person.embeddingMs.forEach((ms, k) => {
      const label = nearest[k];
      if (label && ms >= span.firstMs && ms <= span.lastMs) votes.set(label, (votes.get(label) ?? 0) + 1);
    });
    let best: string | null = null;
    for (const [label, n] of votes) if (best === null || n > votes.get(best)!) best = label;
    return best;
  });
  // A stretch without a face near any profile goes with the stretch before it (or after, for the first).
  spanLabel.forEach((label, i) => {
    if (label === null) spanLabel[i] = spanLabel.slice(0, i).findLast((l) => l !== null) ?? null;
  });
  const firstLabel = spanLabel.find((l) => l !== null) ?? labels[0]!;
  const final = spanLabel.map((l) => l ?? firstLabel);
  const order = [...new Set(final)];
  if (order.length < 2) return null;
  const pieces = order.map((label) => ({
    appearances: final.flatMap((l, i) => (l === label ? [i] : [])),
    embeddings: [] as number[],
  }));
  person.embeddingMs.forEach((ms, k) => {
    const span = person.appearances.findIndex((s) => ms >= s.firstMs && ms <= s.lastMs);
    const label = span >= 0 ? final[span]! : (nearest[k] ?? firstLabel);
    (pieces[order.indexOf(label)] ?? pieces[0]!).embeddings.push(k);
  });
  return pieces.filter((p) => p.embeddings.length > 0);
}
