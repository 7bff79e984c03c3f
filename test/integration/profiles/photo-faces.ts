/**
 * Test helper: the face photos in test/fixtures/faces, detected with YuNet at full resolution and
 * returned with the full-resolution planar frame the embedder aligns from.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FaceDetector } from '../../../src/analytics/index.js';
import { type FaceDetection, type ChipEmbedder, type PlanarBgr } from '../../../src/analytics/index.js';
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

const photoCache = new Map<string, Float32Array>();

/** The embedding of the single face in a fixture photo. */
export async function photoEmbedding(
  detector: FaceDetector,
  embedder: ChipEmbedder,
  file: string,
): Promise<Float32Array> {
  const cached = photoCache.get(file);
  if (cached) return cached;
  const { frame, faces } = await photoFaces(detector, file);
  if (faces.length !== 1) throw new Error(`${file}: ${faces.length} faces`);
  const [e] = await embedder.embed(frame, faces);
  photoCache.set(file, e!);
  return e!;
}

/** The embedding of the single face in a JPEG (a profile crop). */
export async function jpegEmbedding(
  detector: FaceDetector,
  embedder: ChipEmbedder,
  jpeg: Buffer,
): Promise<Float32Array> {
  const file = path.join(tmpdir(), `kadr-crop-${process.pid}-${Math.random().toString(36).slice(2)}.jpg`);
  writeFileSync(file, jpeg);
  try {
    const pic = await loadPicture(file, 'bgr24');
    const frame = bgrToPlanarBgr(pic.planes[0]!, pic.width, pic.height, pic.width, pic.height);
    const faces = await detector.detect(pic.planes[0]!, pic.width, pic.height);
    if (faces.length !== 1) throw new Error(`a crop shows ${faces.length} faces, not 1`);
    const [e] = await embedder.embed(frame, faces);
    return e!;
  } finally {
    rmSync(file, { force: true });
  }
}

/** The faces YuNet finds in a JPEG (a profile crop), decoded by the test's own FFmpeg path. */
export async function jpegFaces(detector: FaceDetector, jpeg: Buffer): Promise<FaceDetection[]> {
  const file = path.join(tmpdir(), `kadr-crop-${process.pid}-${Math.random().toString(36).slice(2)}.jpg`);
  writeFileSync(file, jpeg);
  try {
    const pic = await loadPicture(file, 'bgr24');
    return await detector.detect(pic.planes[0]!, pic.width, pic.height);
  } finally {
    rmSync(file, { force: true });
  }
}
