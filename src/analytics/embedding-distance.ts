/**
 * Face embeddings: dlib's ResNet-29 (through face-api.js), 128 numbers per face; two faces of the same
 * person lie less than 0.6 apart in Euclidean distance (models/README.md §2). Faces are aligned from
 * YuNet's 5 landmarks onto dlib's chip template and batched into one inference call per picture.
 */
import { KadrError } from '../core/index.js';
import {
  CHIP_SIZE,
  CHIP_TEMPLATE,
  fitSimilarity,
  warpChipRgb,
  type PackedImage,
  type Point,
} from './face-alignment.js';
import { FACE_EMBEDDER_MODEL, modelPath } from './model-files.js';
import { openOnnxSession, ort } from './onnx-session.js';

export const EMBEDDING_SIZE = 128;
/** dlib / face-api.js convention: below this Euclidean distance two faces are the same person. */
export const SAME_PERSON_DISTANCE = 0.6;

export function euclideanDistance(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError('embeddings of different sizes');
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

export class FaceEmbedder {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(options: { threads?: number } = {}): Promise<FaceEmbedder> {
    return new FaceEmbedder(await openOnnxSession(modelPath(FACE_EMBEDDER_MODEL), options));
  }

  /**
   * One embedding per face, in order. `faces` carry YuNet landmarks in `image` pixels: detect on a scaled
   * frame, then embed from the full-resolution one (detections come back in source pixels).
   */
  async embed(image: PackedImage, faces: readonly { landmarks: Point[] }[]): Promise<Float32Array[]> {
    if (faces.length === 0) return [];
    const rowBytes = image.stride ?? image.width * 3;
    if (image.data.length < rowBytes * (image.height - 1) + image.width * 3) {
      throw new KadrError(
        'KADR_ERR_VALIDATION',
        `picture buffer too short for ${image.width}x${image.height}`,
      );
    }
    const chip = 3 * CHIP_SIZE * CHIP_SIZE;
    const batch = new Float32Array(faces.length * chip);
    faces.forEach((face, i) => {
      if (face.landmarks.length !== CHIP_TEMPLATE.length) {
        throw new KadrError(
          'KADR_ERR_VALIDATION',
          `a face needs ${CHIP_TEMPLATE.length} landmarks, got ${face.landmarks.length}`,
        );
      }
      warpChipRgb(image, fitSimilarity(face.landmarks, CHIP_TEMPLATE), batch, i * chip);
    });
    const input = new ort.Tensor('float32', batch, [faces.length, 3, CHIP_SIZE, CHIP_SIZE]);
    const out = await this.session.run({ [this.session.inputNames[0]!]: input });
    const data = out[this.session.outputNames[0]!]!.data as Float32Array;
    const result = faces.map((_, i) => data.slice(i * EMBEDDING_SIZE, (i + 1) * EMBEDDING_SIZE));
    for (const t of Object.values(out)) t.dispose();
    return result;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
