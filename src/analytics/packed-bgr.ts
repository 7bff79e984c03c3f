import { KadrError } from '../core/index.js';

/**
 * Refuses a packed BGR picture (`bgr24`, 3 bytes per pixel, rows without padding) whose size is not a
 * positive whole number of pixels or whose buffer is too short for it, before FFmpeg is asked to scale it.
 */
export function checkPackedBgr(bgr: Uint8Array, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new KadrError('KADR_ERR_VALIDATION', `bad picture size ${width}x${height}`);
  }
  if (bgr.length < width * height * 3) {
    throw new KadrError(
      'KADR_ERR_VALIDATION',
      `a ${width}x${height} BGR picture needs ${width * height * 3} bytes, got ${bgr.length}`,
    );
  }
}
