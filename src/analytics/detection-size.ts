/**
 * Which size a frame is scaled to before YuNet sees it, and the padded tensor size.
 *
 * YuNet finds faces of about 10–300 px at its input scale (models/README.md), so a frame is scaled down
 * (never up) until its longer side is at most `maxSide`, keeping the aspect ratio. The dynamic model needs
 * H and W to be multiples of 32: like OpenCV, the picture sits top-left and the rest is zero padding, so
 * decoded coordinates only need dividing by `scale` to land in source pixels.
 */
export interface DetectionSize {
  /** Size of the scaled picture (even numbers, so that FFmpeg can scale yuv420p without rounding). */
  width: number;
  height: number;
  /** Network input size: the picture size rounded up to a multiple of 32. */
  inputWidth: number;
  inputHeight: number;
  /** Scaled pixels per source pixel, per axis (they differ by at most the rounding to even sizes). */
  scaleX: number;
  scaleY: number;
}

/**
 * On the evaluation set (docs/analytics-evaluation.md) faces of 24–31 px are found at their own size
 * (recall 1.000 at the default score) but much less once the picture is scaled down (0.857 at 2/3, 0.782
 * at 1/2): scaling a 1080p frame to 640 px (the old default) makes a 24 px face 8 px, below what YuNet
 * finds. So frames up to 1920 px (1080p) are analysed at their own size; only larger ones are scaled.
 */
export const DEFAULT_MAX_SIDE = 1920;
const STRIDE_MULTIPLE = 32;

export function detectionSize(
  sourceWidth: number,
  sourceHeight: number,
  maxSide = DEFAULT_MAX_SIDE,
): DetectionSize {
  if (!(sourceWidth > 0 && sourceHeight > 0))
    throw new RangeError(`bad frame size ${sourceWidth}x${sourceHeight}`);
  const s = Math.min(1, maxSide / Math.max(sourceWidth, sourceHeight));
  const even = (v: number) => Math.max(2, Math.round((v * s) / 2) * 2);
  // An odd source dimension that is not scaled stays as it is: padding needs no even size.
  const width = s === 1 ? sourceWidth : even(sourceWidth);
  const height = s === 1 ? sourceHeight : even(sourceHeight);
  const up = (v: number) => Math.ceil(v / STRIDE_MULTIPLE) * STRIDE_MULTIPLE;
  return {
    width,
    height,
    inputWidth: up(width),
    inputHeight: up(height),
    scaleX: width / sourceWidth,
    scaleY: height / sourceHeight,
  };
}
