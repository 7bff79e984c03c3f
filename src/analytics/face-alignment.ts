/**
 * Face alignment for the dlib ResNet embedding: the 5 YuNet landmarks are mapped onto dlib's face-chip
 * template by a least-squares similarity transform, and the chip is sampled from the full-resolution
 * frame (models/README.md §2).
 *
 * The warp is a JS loop, on purpose: it touches only the 150×150 chip (≈1 ms), and FFmpeg has no filter
 * that samples a rotated, scaled window into a small output (rotate/perspective work on whole frames).
 */

export type Point = [number, number];

/** Chip size and the template (dlib mean face, `get_face_chip_details(size=150, padding=0.25)`). */
export const CHIP_SIZE = 150;
export const CHIP_TEMPLATE: readonly Point[] = [
  [47.549, 46.599], // image-left eye
  [100.476, 46.599], // image-right eye
  [74.013, 76.563], // nose tip
  [50.415, 103.023], // image-left mouth corner
  [97.61, 103.023], // image-right mouth corner
];

/** q = [a -b; b a] p + [tx, ty]: rotation, uniform scale and shift, no reflection. */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/**
 * Least-squares similarity from `src` to `dst` (Umeyama 1991 without reflection). In 2-D it has a closed
 * form: with centred points, a = Σ(p·q)/Σ|p|² and b = Σ(p×q)/Σ|p|².
 */
export function fitSimilarity(src: readonly Point[], dst: readonly Point[]): Similarity {
  if (src.length !== dst.length || src.length < 2) throw new RangeError('need 2 or more point pairs');
  const n = src.length;
  const mean = (ps: readonly Point[]): Point => [
    ps.reduce((s, p) => s + p[0], 0) / n,
    ps.reduce((s, p) => s + p[1], 0) / n,
  ];
  const [sx, sy] = mean(src);
  const [dx, dy] = mean(dst);
  let dot = 0;
  let cross = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const px = src[i]![0] - sx;
    const py = src[i]![1] - sy;
    const qx = dst[i]![0] - dx;
    const qy = dst[i]![1] - dy;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  }
  if (norm === 0) throw new RangeError('source points coincide');
  const a = dot / norm;
  const b = cross / norm;
  return { a, b, tx: dx - (a * sx - b * sy), ty: dy - (b * sx + a * sy) };
}

export function applySimilarity(m: Similarity, [x, y]: Point): Point {
  return [m.a * x - m.b * y + m.tx, m.b * x + m.a * y + m.ty];
}

/** A packed 8-bit picture: 3 bytes per pixel in the given order, `stride` bytes per row. */
export interface PackedImage {
  data: Uint8Array;
  width: number;
  height: number;
  order: 'bgr' | 'rgb';
  stride?: number;
}

/**
 * Samples the chip (bilinear, black outside the picture) into `out` at `offset` as planar RGB float32
 * (R plane, G plane, B plane), the embedding network's input layout.
 */
export function warpChipRgb(image: PackedImage, toChip: Similarity, out: Float32Array, offset = 0): void {
  const { width: W, height: H, data } = image;
  const stride = image.stride ?? W * 3;
  const [ri, bi] = image.order === 'rgb' ? [0, 2] : [2, 0];
  // Inverse of q = [a -b; b a] p + t: p = [a b; -b a] (q - t) / (a² + b²).
  const { a, b, tx, ty } = toChip;
  const d = a * a + b * b;
  const ia = a / d;
  const ib = b / d;
  const plane = CHIP_SIZE * CHIP_SIZE;
  // Byte offset of a neighbour pixel, or -1 outside the picture (black border).
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= W || y >= H ? -1 : y * stride + x * 3);
  const sample = (o: number, c: number) => (o < 0 ? 0 : data[o + c]!);
  for (let v = 0; v < CHIP_SIZE; v++) {
    for (let u = 0; u < CHIP_SIZE; u++) {
      const qx = u - tx;
      const qy = v - ty;
      const sx = ia * qx + ib * qy;
      const sy = -ib * qx + ia * qy;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      const o00 = at(x0, y0);
      const o10 = at(x0 + 1, y0);
      const o01 = at(x0, y0 + 1);
      const o11 = at(x0 + 1, y0 + 1);
      const o = offset + v * CHIP_SIZE + u;
      const mix = (c: number) =>
        sample(o00, c) * w00 + sample(o10, c) * w10 + sample(o01, c) * w01 + sample(o11, c) * w11;
      out[o] = mix(ri);
      out[o + plane] = mix(1);
      out[o + 2 * plane] = mix(bi);
    }
  }
}
