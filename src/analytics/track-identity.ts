/**
 * Keeps a track to one face. Box overlap alone lets a track jump to another person who takes the same
 * place (two people crossing, one stepping in front of the other), so every embedded face of a track is
 * compared with the track's reference, the mean of its first `referenceSize` embeddings. A face farther
 * than `splitDistance` from it is someone else: the caller splits the track (FaceTracker.split) and
 * the face starts a new track with this embedding as its first reference. Pure: embeddings in, verdicts out.
 */
import { embeddingDistance, meanEmbedding } from './embedding-distance.js';

export interface TrackIdentityOptions {
  /** Euclidean embedding distance over which a face is not the track's person. */
  splitDistance: number;
  /** Embeddings averaged into the reference (default 3). */
  referenceSize?: number;
}

export class TrackIdentity {
  private readonly refs = new Map<number, { list: Float32Array[]; mean: Float32Array }>();
  private readonly referenceSize: number;

  constructor(private readonly options: TrackIdentityOptions) {
    this.referenceSize = options.referenceSize ?? 3;
  }

  /**
   * Whether `embedding` (a face that continued `trackId`) is still the track's person; if so it may join
   * the reference. Returns the distance to the reference too (NaN for a track's first face).
   */
  check(trackId: number, embedding: Float32Array): { same: boolean; distance: number } {
    const ref = this.refs.get(trackId);
    if (!ref) {
      this.refs.set(trackId, { list: [embedding], mean: embedding });
      return { same: true, distance: NaN };
    }
    const distance = embeddingDistance(ref.mean, embedding);
    if (distance > this.options.splitDistance) return { same: false, distance };
    if (ref.list.length < this.referenceSize) {
      ref.list.push(embedding);
      ref.mean = meanEmbedding(ref.list);
    }
    return { same: true, distance };
  }

  /** Forgets a track (it ended). */
  forget(trackId: number): void {
    this.refs.delete(trackId);
  }
}
