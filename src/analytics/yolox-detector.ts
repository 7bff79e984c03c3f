/**
 * YOLOX-nano (Apache-2.0, Megvii; its licences in models/): people and the other 79 COCO classes in one picture.
 * `detect(pixels, width, height)` takes a packed 8-bit picture (RGB unless told BGR), letterboxes it into
 * the 416×416 input (nearest sample, top-left, padded with 114, BGR as the model wants) and returns
 * boxes in the picture's pixels, best first, after NMS per class.
 */
import { readFileSync } from 'node:fs';
import { KadrError } from '../core/index.js';
import { modelPath } from './model-files.js';
import { nonMaxSuppression } from './nms.js';
import { openOnnxSession, ort } from './onnx-session.js';

export const OBJECT_DETECTOR_MODEL = 'object_detection_yolox_nano_416.onnx';
const INPUT = 416;
const STRIDES = [8, 16, 32] as const;
const PAD = 114;

/** One detected object: a box in the picture's pixels, its COCO class (index and name) and score. */
export interface ObjectBox {
  x: number;
  y: number;
  width: number;
  height: number;
  classId: number;
  className: string;
  score: number;
}

export interface YoloxOptions {
  threads?: number;
  /** Keep objects scoring at least this (objectness × class probability; default 0.5). */
  scoreThreshold?: number;
  nmsThreshold?: number;
}

let classNames: string[] | undefined;

/** The 80 COCO class names in the model's output order. */
export function cocoClassNames(): string[] {
  classNames ??= readFileSync(modelPath('object_detection_yolox_nano_416.coco_classes.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return classNames;
}

export class YoloxDetector {
  private readonly tensor = new Float32Array(3 * INPUT * INPUT);
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly scoreThreshold: number,
    readonly nmsThreshold: number,
  ) {}

  static async create(options: YoloxOptions = {}): Promise<YoloxDetector> {
    const scoreThreshold = options.scoreThreshold ?? 0.5;
    if (!(scoreThreshold > 0 && scoreThreshold <= 1)) {
      throw new KadrError(
        'KADR_ERR_CONFIG',
        `object score threshold must be in (0, 1], got ${scoreThreshold}`,
      );
    }
    const session = await openOnnxSession(modelPath(OBJECT_DETECTOR_MODEL), {
      threads: options.threads ?? 1,
    });
    return new YoloxDetector(session, scoreThreshold, options.nmsThreshold ?? 0.45);
  }

  /** Objects in a packed picture (3 bytes a pixel, rows without padding). */
  detect(
    pixels: Uint8Array,
    width: number,
    height: number,
    order: 'rgb' | 'bgr' = 'rgb',
  ): Promise<ObjectBox[]> {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      return Promise.reject(new KadrError('KADR_ERR_VALIDATION', `bad picture size ${width}x${height}`));
    }
    if (pixels.length < width * height * 3) {
      return Promise.reject(
        new KadrError(
          'KADR_ERR_VALIDATION',
          `a ${width}x${height} picture needs ${width * height * 3} bytes`,
        ),
      );
    }
    // The input tensor is reused: one inference at a time.
    const run = this.queue.then(() => this.run(pixels, width, height, order));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.session.release();
  }

  private async run(
    pixels: Uint8Array,
    width: number,
    height: number,
    order: 'rgb' | 'bgr',
  ): Promise<ObjectBox[]> {
    const r = Math.min(INPUT / width, INPUT / height);
    const w = Math.min(INPUT, Math.round(width * r));
    const h = Math.min(INPUT, Math.round(height * r));
    const plane = INPUT * INPUT;
    const t = this.tensor;
    t.fill(PAD);
    // Channel planes B, G, R: from RGB input the first plane reads byte 2 of each pixel.
    const [cb, cg, cr] = order === 'bgr' ? [0, 1, 2] : [2, 1, 0];
    for (let y = 0; y < h; y++) {
      const sy = Math.min(height - 1, Math.floor(y / r));
      const row = sy * width * 3;
      const out = y * INPUT;
      for (let x = 0; x < w; x++) {
        const s = row + Math.min(width - 1, Math.floor(x / r)) * 3;
        t[out + x] = pixels[s + cb]!;
        t[plane + out + x] = pixels[s + cg]!;
        t[2 * plane + out + x] = pixels[s + cr]!;
      }
    }
    const input = new ort.Tensor('float32', t, [1, 3, INPUT, INPUT]);
    const result = await this.session.run({ [this.session.inputNames[0]!]: input });
    const output = result[this.session.outputNames[0]!]!;
    const data = output.data as Float32Array;
    const names = cocoClassNames();
    const boxes = decodeYolox(data, this.scoreThreshold, r, names);
    for (const v of Object.values(result)) v.dispose();
    const byClass = new Map<number, ObjectBox[]>();
    for (const b of boxes) {
      const list = byClass.get(b.classId) ?? [];
      list.push(b);
      byClass.set(b.classId, list);
    }
    const kept = [...byClass.values()].flatMap((list) => nonMaxSuppression(list, this.nmsThreshold));
    return kept
      .map((b) => clip(b, width, height))
      .filter((b) => b.width > 1 && b.height > 1)
      .sort((a, b) => b.score - a.score);
  }
}

/** Rows of the `[1,3549,85]` output to boxes in the original picture (divided by the letterbox scale). */
export function decodeYolox(
  data: Float32Array,
  threshold: number,
  scale: number,
  names: string[],
): ObjectBox[] {
  const stride = 85;
  const out: ObjectBox[] = [];
  let row = 0;
  for (const s of STRIDES) {
    const cells = INPUT / s;
    for (let gy = 0; gy < cells; gy++) {
      for (let gx = 0; gx < cells; gx++, row++) {
        const o = row * stride;
        const objectness = data[o + 4]!;
        if (objectness < threshold) continue;
        let best = 0;
        let bestP = 0;
        for (let k = 0; k < 80; k++) {
          const p = data[o + 5 + k]!;
          if (p > bestP) {
            bestP = p;
            best = k;
          }
        }
        const score = objectness * bestP;
        if (score < threshold) continue;
        const cx = (data[o]! + gx) * s;
        const cy = (data[o + 1]! + gy) * s;
        const w = Math.exp(data[o + 2]!) * s;
        const h = Math.exp(data[o + 3]!) * s;
        out.push({
          x: (cx - w / 2) / scale,
          y: (cy - h / 2) / scale,
          width: w / scale,
          height: h / scale,
          classId: best,
          className: names[best] ?? String(best),
          score,
        });
      }
    }
  }
  return out;
}

function clip(b: ObjectBox, width: number, height: number): ObjectBox {
  const x = Math.max(0, b.x);
  const y = Math.max(0, b.y);
  return {
    ...b,
    x,
    y,
    width: Math.min(width, b.x + b.width) - x,
    height: Math.min(height, b.y + b.height) - y,
  };
}
