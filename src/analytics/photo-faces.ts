/**
 * Faces in one still photo, for a profile made from a picture (docs/profiles.md, "From a photo"): the
 * same models and steps as the video people pass, so that a photo's embedding is comparable with a
 * camera's. YuNet at its usual detection size, faces under MIN_EMBED_FACE px left out (too small to
 * embed, as in videos), the rest largest first; the chosen face is aligned and embedded at full
 * resolution, and its crop (1.8× the box) encoded like a video's best face.
 */
import { bgrToPlanarBgr } from '../media/index.js';
import { ChipEmbedder } from './chip-embedder.js';
import { cropFace, encodeCropJpeg } from './face-crop.js';
import { FaceDetector } from './face-detector.js';
import { MIN_EMBED_FACE } from './people-analysis.js';
import type { FaceDetection } from './yunet-decode.js';

export interface StillPicture {
  width: number;
  height: number;
  /** Packed BGR, 3 bytes per pixel, rows without padding. */
  bgr: Buffer;
}

export interface PhotoFaces {
  /** Faces of at least MIN_EMBED_FACE px (longer side), largest first. */
  faces: FaceDetection[];
  /** Faces found but smaller than that. */
  tooSmall: number;
}

export interface DescribedFace {
  embedding: Float32Array;
  /** JPEG, at most 320 px. */
  crop: Buffer;
}

export class PhotoFaceReader {
  private constructor(
    private readonly detector: FaceDetector,
    private readonly embedder: ChipEmbedder,
  ) {}

  static async create(): Promise<PhotoFaceReader> {
    const detector = await FaceDetector.create({ threads: 1 });
    try {
      return new PhotoFaceReader(detector, await ChipEmbedder.create({ threads: 1, batchSize: 1 }));
    } catch (error) {
      await detector.close();
      throw error;
    }
  }

  async find(picture: StillPicture): Promise<PhotoFaces> {
    const all = await this.detector.detect(picture.bgr, picture.width, picture.height);
    const side = (f: FaceDetection) => Math.max(f.width, f.height);
    const faces = all.filter((f) => side(f) >= MIN_EMBED_FACE).sort((a, b) => side(b) - side(a) || a.x - b.x);
    return { faces, tooSmall: all.length - faces.length };
  }

  async describe(picture: StillPicture, face: FaceDetection): Promise<DescribedFace> {
    const { width, height } = picture;
    const frame = bgrToPlanarBgr(picture.bgr, width, height, width, height);
    const [embedding] = await this.embedder.embed(frame, [face]);
    return { embedding: embedding!, crop: encodeCropJpeg(cropFace(frame, face)) };
  }

  async close(): Promise<void> {
    await this.detector.close();
    await this.embedder.close();
  }
}
