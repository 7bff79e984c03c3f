/**
 * Test helper: the face photos in test/fixtures/faces, detected with YuNet at full resolution and
 * returned with the full-resolution planar frame the embedder aligns from.
 */
import path from 'node:path';
import { FaceDetector, type FaceDetection, type PlanarBgr } from '../../../src/analytics/index.js';
import { bgrToPlanarBgr } from '../../../src/media/planar-bgr.js';
import { loadPicture } from '../analytics/images.js';

export const FACES_DIR = path.resolve(import.meta.dirname, '../../fixtures/faces');

export interface PhotoFaces {
  frame: PlanarBgr;
  /** Left to right. */
  faces: FaceDetection[];
}

export async function photoFaces(detector: FaceDetector, file: string): Promise<PhotoFaces> {
  const pic = await loadPicture(path.join(FACES_DIR, file), 'bgr24');
  const frame = bgrToPlanarBgr(pic.planes[0]!, pic.width, pic.height, pic.width, pic.height);
  const faces = (await detector.detect(pic.planes[0]!, pic.width, pic.height)).sort((a, b) => a.x - b.x);
  return { frame, faces };
}
