/**
 * Face embeddings with dlib's ResNet-29 face descriptor (models/README.md §2): 128 floats per face,
 * compared by Euclidean distance; the same person is under about 0.6 (dlib's and face-api.js's
 * convention). Faces are aligned on the detector's 5 landmarks (face-alignment.ts) from the
 * full-resolution frame and run in batches: a batch of 8 costs about 5 ms per face on one thread
 * against 5.6 ms for one face alone.
 */
import { KadrError } from '../core/index.js';
import { CHIP_SIZE, warpFaceChip } from './face-alignment.js';
import type { PlanarBgr } from './face-detector.js';
import { FACE_EMBEDDER_MODEL, modelPath } from './model-files.js';
import { openOnnxSession, ort } from './onnx-session.js';

export const EMBEDDING_SIZE = 128;
/** dlib's "same person" bound for this descriptor. */
export const DEFAULT_SAME_PERSON_DISTANCE = 0.6;

const CHIP_FLOATS = 3 * CHIP_SIZE * CHIP_SIZE;

export interface FaceEmbedderOptions {
  /** onnxruntime intra-op threads (default 1: one video per core). */
  threads?: number;
  /** Faces per inference call (default 8). */
  batchSize?: number;
}

export class FaceEmbedder {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly batchSize: number,
  ) {}

  static async create(options: FaceEmbedderOptions = {}): Promise<FaceEmbedder> {
    const batchSize = options.batchSize ?? 8;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new KadrError('KADR_ERR_CONFIG', `embedding batch size must be ≥ 1, got ${batchSize}`);
    }
    const session = await openOnnxSession(modelPath(FACE_EMBEDDER_MODEL), { threads: options.threads ?? 1 });
    return new FaceEmbedder(session, batchSize);
  }

  /** Aligns one face of `frame` into a new chip (RGB planes, 0…255), ready for `embedChips`. */
  static chip(frame: PlanarBgr, landmarks: readonly (readonly [number, number])[]): Float32Array {
    const chip = new Float32Array(CHIP_FLOATS);
    warpFaceChip(frame, landmarks, chip);
    return chip;
  }

  /** Embeddings of aligned chips, in order, run `batchSize` at a time. */
  async embedChips(chips: readonly Float32Array[]): Promise<Float32Array[]> {
    const result: Float32Array[] = [];
    for (let start = 0; start < chips.length; start += this.batchSize) {
      const batch = chips.slice(start, start + this.batchSize);
      const data = new Float32Array(batch.length * CHIP_FLOATS);
      batch.forEach((c, i) => {
        if (c.length !== CHIP_FLOATS)
          throw new RangeError(`a chip has ${c.length} floats, not ${CHIP_FLOATS}`);
        data.set(c, i * CHIP_FLOATS);
      });
      const input = new ort.Tensor('float32', data, [batch.length, 3, CHIP_SIZE, CHIP_SIZE]);
      const out = await this.session.run({ input });
      const tensor = out['embedding'] ?? Object.values(out)[0]!;
      const flat = tensor.data as Float32Array;
      for (let i = 0; i < batch.length; i++) {
        result.push(flat.slice(i * EMBEDDING_SIZE, (i + 1) * EMBEDDING_SIZE));
      }
      for (const t of Object.values(out)) t.dispose();
    }
    return result;
  }

  /** Aligns and embeds faces of one frame. */
  async embed(
    frame: PlanarBgr,
    faces: readonly { landmarks: [number, number][] }[],
  ): Promise<Float32Array[]> {
    return this.embedChips(faces.map((f) => FaceEmbedder.chip(frame, f.landmarks)));
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** Euclidean distance between two embeddings. */
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
