/**
 * Face alignment for the dlib ResNet embedding: the 5 YuNet landmarks are mapped onto dlib's face-chip
 * template by a least-squares similarity transform (models/README.md §2); face-chip.ts samples the chip
 * from the full-resolution frame with it.
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
