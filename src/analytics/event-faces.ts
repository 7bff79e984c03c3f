/**
 * The faces a camera's face event keeps for a later correction (docs/live-analytics.md, "Correcting a
 * face"). One face is not enough: a person walking towards a camera and then standing still gives faces
 * up to 0.45 apart, and "this is not X" made of the best face alone left a third of the same person's
 * faces still nearer X's photo than to it (test/fixtures/live-analytics/faces.mp4). So an event keeps up
 * to EVENT_FACES faces, each at least EVENT_FACE_SPREAD from the others: on that clip any 0.15 to 0.3
 * left none of her faces nearer X, from whatever moment the event started; 0.25 is the middle. Checking
 * a face costs at most EVENT_FACES distances, and it stops once the event holds EVENT_FACES. Pure.
 */
import { embeddingDistance } from './embedding-distance.js';

export const EVENT_FACES = 8;
export const EVENT_FACE_SPREAD = 0.25;

/** Adds `face` to `kept` when there is room and it is far enough from each kept face; true when added. */
export function keepDistinctFace(kept: Float32Array[], face: Float32Array): boolean {
  if (kept.length >= EVENT_FACES) return false;
  for (const k of kept) if (embeddingDistance(k, face) < EVENT_FACE_SPREAD) return false;
  kept.push(face);
  return true;
}
