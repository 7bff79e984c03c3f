/**
 * Face alignment for the dlib ResNet embedder (models/README.md §2): a least-squares similarity
 * transform (rotation + uniform scale + shift, no reflection: Umeyama 1991 restricted to 2-D) from
 * the detector's 5 landmarks onto dlib's 150×150 chip template, then a bilinear warp of the
 * full-resolution frame into the chip, written straight into the embedder's RGB NCHW tensor.
 *
 * The warp is one JS loop over 22,500 chip pixels (under a millisecond); the frame itself is never
 * copied or converted.
 */
import type { PlanarBgr } from './face-detector.js';

export const CHIP_SIZE = 150;

/**
 * dlib's 68-point mean face mapped with p' = (p + 0.25) / 1.5 · 150 (get_face_chip_details, padding
 * 0.25): eye centres, nose tip, mouth corners, in YuNet's order (image-left first).
 */
export const CHIP_TEMPLATE: readonly (readonly [number, number])[] = [
  [47.549, 46.599],
  [100.476, 46.599],
  [74.013, 76.563],
  [50.415, 103.023],
  [97.61, 103.023],
];

/** x' = a·x − b·y + tx, y' = b·x + a·y + ty. */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/** The least-squares similarity mapping `src` points onto `dst` points (same length, ≥ 2). */
export function fitSimilarity(
  src: readonly (readonly [number, number])[],
  dst: readonly (readonly [number, number])[],
): Similarity {
  const n = src.length;
  if (n < 2 || dst.length !== n) throw new RangeError(`need ≥ 2 point pairs, got ${n} and ${dst.length}`);
  let sx = 0,
    sy = 0,
    dx = 0,
    dy = 0;
  for (let i = 0; i < n; i++) {
    sx += src[i]![0];
    sy += src[i]![1];
    dx += dst[i]![0];
    dy += dst[i]![1];
  }
  sx /= n;
  sy /= n;
  dx /= n;
  dy /= n;
  // With complex numbers s = x + iy the 2-D similarity is d = (a + ib)·s + t, and the least-squares
  // (a + ib) is Σ conj(s)·d / Σ |s|² over centred points: Umeyama's solution for rotation + scale.
  let num = 0,
    numB = 0,
    den = 0;
  for (let i = 0; i < n; i++) {
    const x = src[i]![0] - sx;
    const y = src[i]![1] - sy;
    const u = dst[i]![0] - dx;
    const v = dst[i]![1] - dy;
    num += x * u + y * v;
    numB += x * v - y * u;
    den += x * x + y * y;
  }
  if (!(den > 0)) throw new RangeError('landmarks coincide: no alignment possible');
  const a = num / den;
  const b = numB / den;
  return { a, b, tx: dx - (a * sx - b * sy), ty: dy - (b * sx + a * sy) };
}

/**
 * Warps the face into a 150×150 RGB chip, written at `offset` of `out` as 3 planes (R, G, B) of raw
 * 0…255 floats: the embedder's input layout. Pixels that fall outside the frame are black.
 */
export function warpFaceChip(
  frame: PlanarBgr,
  landmarks: readonly (readonly [number, number])[],
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
export function frontality(landmarks: readonly (readonly [number, number])[]): number {
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
