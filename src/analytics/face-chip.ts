/**
 * Aligned face chips from planar frames (what the video reader delivers), for the people pipeline:
 * the similarity fit onto dlib's chip template is face-alignment.ts's; this file samples the chip
 * straight from the G/B/R planes of the full-resolution frame into the embedder's RGB NCHW layout,
 * and scores chips for sharpness and the landmarks for frontality (best-face choice).
 *
 * The warp is one JS loop over 22,500 chip pixels (under a millisecond); the frame itself is never
 * copied or converted.
 */
import { CHIP_SIZE, CHIP_TEMPLATE, fitSimilarity, type Point } from './face-alignment.js';
import type { PlanarBgr } from './face-detector.js';

export const CHIP_FLOATS = 3 * CHIP_SIZE * CHIP_SIZE;

/**
 * Warps the face into a 150×150 RGB chip, written at `offset` of `out` as 3 planes (R, G, B) of raw
 * 0…255 floats: the embedder's input layout. Pixels that fall outside the frame are black.
 */
export function warpFaceChip(
  frame: PlanarBgr,
  landmarks: readonly Point[],
  out: Float32Array,
  offset = 0,
): void {
  const t = fitSimilarity(landmarks, CHIP_TEMPLATE);
  // Inverse of the similarity: chip → frame.
  const k = 1 / (t.a * t.a + t.b * t.b);
  const ia = t.a * k;
  const ib = -t.b * k;
  const plane = CHIP_SIZE * CHIP_SIZE;
  const { width: W, height: H, stride, r, g, b } = frame;
  for (let v = 0; v < CHIP_SIZE; v++) {
    for (let u = 0; u < CHIP_SIZE; u++) {
      const cu = u - t.tx;
      const cv = v - t.ty;
      const x = ia * cu - ib * cv;
      const y = ib * cu + ia * cv;
      const o = offset + v * CHIP_SIZE + u;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      if (x0 < 0 || y0 < 0 || x0 + 1 >= W || y0 + 1 >= H) {
        // Edge or outside: sample the nearest pixel when inside, black otherwise (dlib pads black).
        const xi = Math.round(x);
        const yi = Math.round(y);
        if (xi < 0 || yi < 0 || xi >= W || yi >= H) {
          out[o] = 0;
          out[o + plane] = 0;
          out[o + 2 * plane] = 0;
        } else {
          const p = yi * stride + xi;
          out[o] = r[p]!;
          out[o + plane] = g[p]!;
          out[o + 2 * plane] = b[p]!;
        }
        continue;
      }
      const fx = x - x0;
      const fy = y - y0;
      const p00 = y0 * stride + x0;
      const p10 = p00 + 1;
      const p01 = p00 + stride;
      const p11 = p01 + 1;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      out[o] = r[p00]! * w00 + r[p10]! * w10 + r[p01]! * w01 + r[p11]! * w11;
      out[o + plane] = g[p00]! * w00 + g[p10]! * w10 + g[p01]! * w01 + g[p11]! * w11;
      out[o + 2 * plane] = b[p00]! * w00 + b[p10]! * w10 + b[p01]! * w01 + b[p11]! * w11;
    }
  }
}

/**
 * Sharpness of a chip: the variance of the Laplacian of its luma (Pech-Pacheco et al. 2000), the
 * usual focus measure. Blurred or heavily compressed faces score low. The chip has a fixed size, so
 * values compare across faces of any size.
 */
export function chipSharpness(chip: Float32Array, offset = 0): number {
  const S = CHIP_SIZE;
  const plane = S * S;
  const luma = new Float32Array(plane);
  for (let i = 0; i < plane; i++) {
    luma[i] =
      0.299 * chip[offset + i]! + 0.587 * chip[offset + plane + i]! + 0.114 * chip[offset + 2 * plane + i]!;
  }
  let sum = 0,
    sum2 = 0,
    n = 0;
  // The inner region only: the black border of faces near the frame edge is not detail.
  for (let y = 20; y < S - 20; y++) {
    for (let x = 20; x < S - 20; x++) {
      const i = y * S + x;
      const l = luma[i - 1]! + luma[i + 1]! + luma[i - S]! + luma[i + S]! - 4 * luma[i]!;
      sum += l;
      sum2 += l * l;
      n++;
    }
  }
  const mean = sum / n;
  return sum2 / n - mean * mean;
}

/**
 * How frontal a face is, 0…1, from the landmarks alone: in a frontal face the nose tip sits midway
 * between the eyes and between the mouth corners. A turned head moves the nose towards one side.
 */
export function frontality(landmarks: readonly Point[]): number {
  const [le, re, nose, lm, rm] = landmarks as [number, number][];
  if (!le || !re || !nose || !lm || !rm) return 0;
  const eyeSpan = re[0] - le[0];
  const mouthSpan = rm[0] - lm[0];
  if (eyeSpan <= 0 || mouthSpan <= 0) return 0;
  const eyeBalance = (nose[0] - le[0]) / eyeSpan; // 0.5 when frontal
  const mouthBalance = (nose[0] - lm[0]) / mouthSpan;
  const off = Math.abs(eyeBalance - 0.5) + Math.abs(mouthBalance - 0.5);
  return Math.max(0, 1 - off);
}
