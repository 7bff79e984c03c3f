/**
 * Batched face embeddings for the people pipeline: chips are cut from planar frames as the faces go
 * by (face-chip.ts), a few per track, and embedded later in batches when the track ends, so this class
 * takes ready chips (embedding-distance.ts compares what it returns). A batch of 8 costs about 5 ms
 * per face on one thread, against 5.6 ms for one face alone (models/README.md §2).
 */
import { KadrError } from '../core/index.js';
import { CHIP_FLOATS, warpFaceChip } from './face-chip.js';
import { CHIP_SIZE, type Point } from './face-alignment.js';
import type { PlanarBgr } from './face-detector.js';
import { EMBEDDING_SIZE } from './embedding-distance.js';
import { FACE_EMBEDDER_MODEL, modelPath } from './model-files.js';
import { openOnnxSession, ort } from './onnx-session.js';

export interface ChipEmbedderOptions {
  /** onnxruntime intra-op threads (default 1: one video per core). */
  threads?: number;
  /** Faces per inference call (default 8). */
  batchSize?: number;
}

export class ChipEmbedder {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly batchSize: number,
  ) {}

  static async create(options: ChipEmbedderOptions = {}): Promise<ChipEmbedder> {
    const batchSize = options.batchSize ?? 8;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new KadrError('KADR_ERR_CONFIG', `embedding batch size must be ≥ 1, got ${batchSize}`);
    }
    const session = await openOnnxSession(modelPath(FACE_EMBEDDER_MODEL), { threads: options.threads ?? 1 });
    return new ChipEmbedder(session, batchSize);
  }

  /** Aligns one face of a planar frame into a new chip (RGB planes, 0…255), ready for `embedChips`. */
  static chip(frame: PlanarBgr, landmarks: readonly Point[]): Float32Array {
    const chip = new Float32Array(CHIP_FLOATS);
    warpFaceChip(frame, landmarks, chip);
    return chip;
  }

  /** Embeddings of aligned chips, in order, `batchSize` per inference call. */
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
      const out = await this.session.run({ [this.session.inputNames[0]!]: input });
      const flat = out[this.session.outputNames[0]!]!.data as Float32Array;
      for (let i = 0; i < batch.length; i++) {
        result.push(flat.slice(i * EMBEDDING_SIZE, (i + 1) * EMBEDDING_SIZE));
      }
      for (const t of Object.values(out)) t.dispose();
    }
    return result;
  }

  /** Aligns and embeds faces of one planar frame. */
  async embed(frame: PlanarBgr, faces: readonly { landmarks: Point[] }[]): Promise<Float32Array[]> {
    return this.embedChips(faces.map((f) => ChipEmbedder.chip(frame, f.landmarks)));
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
