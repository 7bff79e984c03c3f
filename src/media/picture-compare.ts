/**
 * Are two decoded pictures the same? `identical` is exact equality of the decoded samples (what a
 * passthrough recording must give); PSNR over Y, U and V together measures how close a transcode is.
 */
import { Scaler } from 'node-av/api';
import type { Frame } from 'node-av/lib';

export interface PictureComparison {
  identical: boolean;
  /** PSNR in dB over all planes; Infinity when identical. */
  psnr: number;
  /** The second picture had another size and was scaled to the first one's before comparing. */
  scaled: boolean;
}

let scaler: Scaler | undefined;

export function comparePictures(a: Frame, b: Frame): PictureComparison {
  scaler ??= new Scaler();
  const size = { width: a.width, height: a.height };
  const scaled = a.width !== b.width || a.height !== b.height;
  // Both as packed yuv420p at a's size; a same-size, same-format conversion copies samples unchanged.
  const pa = scaler.toBufferSync(a, { format: 'yuv420p' });
  const pb = scaler.toBufferSync(b, { format: 'yuv420p', resize: size });
  let sumSq = 0;
  for (let i = 0; i < pa.length; i++) {
    const d = pa[i]! - pb[i]!;
    sumSq += d * d;
  }
  if (sumSq === 0) return { identical: !scaled, psnr: Infinity, scaled };
  const mse = sumSq / pa.length;
  return { identical: false, psnr: 10 * Math.log10((255 * 255) / mse), scaled };
}
