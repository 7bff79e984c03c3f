/**
 * Turns YuNet's 12 output tensors into face boxes with 5 landmarks. This is OpenCV 4.8
 * `FaceDetectorYN::postProcess` (modules/objdetect/src/face_detect.cpp), described in models/README.md:
 * one anchor per grid cell, no priors, strides 8/16/32.
 */
import { nonMaxSuppression } from './nms.js';

export interface FaceDetection {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
  /** 5 points: image-left eye, image-right eye, nose tip, image-left and image-right mouth corners. */
  landmarks: [number, number][];
}

/** The tensors of one stride, flat, for one image of the batch. */
export interface YunetStrideOutput {
  stride: number;
  cls: Float32Array;
  obj: Float32Array;
  bbox: Float32Array;
  kps: Float32Array;
}

export interface YunetDecodeOptions {
  inputWidth: number;
  inputHeight: number;
  scoreThreshold: number;
  nmsThreshold: number;
  /** Divide coordinates by these to get source pixels (the picture sits top-left in the input). */
  scaleX: number;
  scaleY: number;
  topK?: number;
}

export const YUNET_STRIDES = [8, 16, 32] as const;
/**
 * Chosen on the evaluation set of real footage (docs/analytics-evaluation.md): OpenCV's 0.9 finds only
 * 0.605 of the faces of 24 px and more (small and turned faces score 0.8–0.9); from 0.7 to 0.8 precision
 * and recall both stay at or above 0.98, and 0.75 is the middle of that range.
 */
export const DEFAULT_SCORE_THRESHOLD = 0.75;
export const DEFAULT_NMS_THRESHOLD = 0.3;

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

export function decodeYunet(outputs: readonly YunetStrideOutput[], o: YunetDecodeOptions): FaceDetection[] {
  const candidates: FaceDetection[] = [];
  for (const { stride, cls, obj, bbox, kps } of outputs) {
    const cols = o.inputWidth / stride;
    const rows = o.inputHeight / stride;
    const cells = rows * cols;
    if (
      cls.length !== cells ||
      obj.length !== cells ||
      bbox.length !== cells * 4 ||
      kps.length !== cells * 10
    ) {
      throw new RangeError(
        `yunet stride ${stride}: tensor sizes do not match a ${o.inputWidth}x${o.inputHeight} input`,
      );
    }
    for (let i = 0; i < cells; i++) {
      // Cheap reject first: score >= t needs cls*obj >= t², and almost every cell fails that.
      const product = clamp01(cls[i]!) * clamp01(obj[i]!);
      const score = Math.sqrt(product);
      if (score < o.scoreThreshold) continue;
      const r = Math.floor(i / cols);
      const c = i - r * cols;
      const cx = (c + bbox[i * 4]!) * stride;
      const cy = (r + bbox[i * 4 + 1]!) * stride;
      const w = Math.exp(bbox[i * 4 + 2]!) * stride;
      const h = Math.exp(bbox[i * 4 + 3]!) * stride;
      const landmarks: [number, number][] = [];
      for (let k = 0; k < 5; k++) {
        landmarks.push([
          ((kps[i * 10 + 2 * k]! + c) * stride) / o.scaleX,
          ((kps[i * 10 + 2 * k + 1]! + r) * stride) / o.scaleY,
        ]);
      }
      candidates.push({
        x: (cx - w / 2) / o.scaleX,
        y: (cy - h / 2) / o.scaleY,
        width: w / o.scaleX,
        height: h / o.scaleY,
        score,
        landmarks,
      });
    }
  }
  return nonMaxSuppression(candidates, o.nmsThreshold, o.topK ?? 5000);
}
