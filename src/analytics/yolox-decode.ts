/**
 * Turns YOLOX's single output tensor into object boxes (models/README.md, YOLOX-nano): 3549 rows for the
 * grid cells of strides 8, 16 and 32 of a 416×416 input, row-major, each
 * `[dx, dy, log w, log h, objectness, 80 class probabilities]` with objectness and classes already
 * sigmoided. A box's score for class k is objectness × p_k; each cell keeps its best class, and NMS runs
 * per class, as YOLOX's own `multiclass_nms` (class-aware) does.
 */
import { nonMaxSuppression } from './nms.js';

export interface ObjectDetection {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
  /** COCO class index (0 = person), see models/object_detection_yolox_nano_416.coco_classes.txt. */
  classId: number;
}

export interface YoloxDecodeOptions {
  inputSize: number;
  /** Minimum objectness × class probability. */
  scoreThreshold: number;
  nmsThreshold: number;
  /** Input pixels per source pixel (the picture sits top-left in the input). */
  scale: number;
  /** Source size, to clip boxes to the picture. */
  sourceWidth: number;
  sourceHeight: number;
}

export const YOLOX_STRIDES = [8, 16, 32] as const;
export const YOLOX_ROW = 85;
export const YOLOX_CLASSES = 80;

export function decodeYolox(output: Float32Array, o: YoloxDecodeOptions): ObjectDetection[] {
  const byClass = new Map<number, ObjectDetection[]>();
  let row = 0;
  for (const s of YOLOX_STRIDES) {
    const cells = o.inputSize / s;
    for (let gy = 0; gy < cells; gy++) {
      for (let gx = 0; gx < cells; gx++, row++) {
        const base = row * YOLOX_ROW;
        const objectness = output[base + 4]!;
        if (objectness < o.scoreThreshold) continue; // score = objectness × p ≤ objectness
        let classId = 0;
        let p = -1;
        for (let k = 0; k < YOLOX_CLASSES; k++) {
          const v = output[base + 5 + k]!;
          if (v > p) {
            p = v;
            classId = k;
          }
        }
        const score = objectness * p;
        if (score < o.scoreThreshold) continue;
        const cx = (output[base]! + gx) * s;
        const cy = (output[base + 1]! + gy) * s;
        const w = Math.exp(output[base + 2]!) * s;
        const h = Math.exp(output[base + 3]!) * s;
        const x1 = clamp((cx - w / 2) / o.scale, 0, o.sourceWidth);
        const y1 = clamp((cy - h / 2) / o.scale, 0, o.sourceHeight);
        const x2 = clamp((cx + w / 2) / o.scale, 0, o.sourceWidth);
        const y2 = clamp((cy + h / 2) / o.scale, 0, o.sourceHeight);
        if (x2 <= x1 || y2 <= y1) continue;
        const list = byClass.get(classId) ?? [];
        list.push({ x: x1, y: y1, width: x2 - x1, height: y2 - y1, score, classId });
        byClass.set(classId, list);
      }
    }
  }
  const out: ObjectDetection[] = [];
  for (const list of byClass.values()) out.push(...nonMaxSuppression(list, o.nmsThreshold));
  return out.sort((a, b) => b.score - a.score);
}

const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);
