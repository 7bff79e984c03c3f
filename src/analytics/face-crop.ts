/**
 * Best-face crops: a square region around the face box (1.8× its size, so the whole head shows),
 * copied out of the planar frame as packed RGB while the frame is alive, and encoded to JPEG only
 * once, for the face that wins. FFmpeg (src/media) does the encoding and scales crops larger than
 * 320 px down: a profile picture needs no more.
 */
import '../core/polyfill.js';
import { FilterAPI } from 'node-av/api';
import { Frame } from 'node-av/lib';
import { AV_PIX_FMT_GBRP, AV_PIX_FMT_RGB24 } from 'node-av/constants';
import { encodeImage, filterToPlanes } from '../media/index.js';
import type { PlanarBgr } from './face-detector.js';
import type { Box } from './face-tracking.js';

export interface RgbCrop {
  width: number;
  height: number;
  /** Packed RGB, 3 bytes per pixel. */
  rgb: Buffer;
}

const CROP_SCALE = 1.8;
const MAX_CROP_SIDE = 320;

export function cropFace(frame: PlanarBgr, box: Box): RgbCrop {
  const side = Math.max(box.width, box.height) * CROP_SCALE;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const x0 = Math.max(0, Math.floor(cx - side / 2));
  const y0 = Math.max(0, Math.floor(cy - side / 2));
  const x1 = Math.min(frame.width, Math.ceil(cx + side / 2));
  const y1 = Math.min(frame.height, Math.ceil(cy + side / 2));
  // Even sizes: the JPEG path goes through 4:2:0.
  const width = Math.max(2, (x1 - x0) & ~1);
  const height = Math.max(2, (y1 - y0) & ~1);
  const rgb = Buffer.alloc(width * height * 3);
  const { r, g, b, stride } = frame;
  for (let y = 0; y < height; y++) {
    const src = (y0 + Math.min(y, frame.height - 1 - y0)) * stride + x0;
    let o = y * width * 3;
    for (let x = 0; x < width; x++) {
      const p = src + Math.min(x, frame.width - 1 - x0);
      rgb[o++] = r[p]!;
      rgb[o++] = g[p]!;
      rgb[o++] = b[p]!;
    }
  }
  return { width, height, rgb };
}

export function encodeCropJpeg(crop: RgbCrop): Buffer {
  const frame = Frame.fromVideoBuffer(crop.rgb, {
    width: crop.width,
    height: crop.height,
    format: AV_PIX_FMT_RGB24,
    timeBase: { num: 1, den: 1 },
    pts: 0n,
  });
  const k = Math.min(1, MAX_CROP_SIDE / Math.max(crop.width, crop.height));
  let scaled: Frame | undefined;
  try {
    if (k < 1) {
      const w = Math.max(2, Math.round((crop.width * k) / 2) * 2);
      const h = Math.max(2, Math.round((crop.height * k) / 2) * 2);
      const filter = FilterAPI.create(`scale=${w}:${h}:flags=area`);
      try {
        scaled = filter.processAllSync(frame)[0];
      } finally {
        filter.close();
      }
    }
    return encodeImage(scaled ?? frame, 'jpeg', 3);
  } finally {
    scaled?.free();
    frame.free();
  }
}

/**
 * Scales a planar frame for the detector with FFmpeg (swscale), reusing one filter graph while the
 * frame size stays the same. Used when the embedder needs the full-resolution frame and the
 * detector a smaller one, so that the video is decoded once.
 */
export class PlanarScaler {
  private filter: FilterAPI | undefined;
  private key = '';
  private packed = Buffer.alloc(0);

  scale(frame: PlanarBgr, width: number, height: number): PlanarBgr {
    const key = `${frame.width}x${frame.height}>${width}x${height}`;
    if (key !== this.key) {
      this.filter?.close();
      this.filter = FilterAPI.create(`scale=${width}:${height}:flags=bilinear,format=gbrp`, {
        graph: { nbThreads: 1 },
      });
      this.key = key;
    }
    const plane = frame.width * frame.height;
    if (this.packed.length !== plane * 3) this.packed = Buffer.alloc(plane * 3);
    // gbrp = planes G, B, R, tightly packed.
    [frame.g, frame.b, frame.r].forEach((src, c) => {
      for (let y = 0; y < frame.height; y++) {
        this.packed.set(
          src.subarray(y * frame.stride, y * frame.stride + frame.width),
          c * plane + y * frame.width,
        );
      }
    });
    const input = Frame.fromVideoBuffer(this.packed, {
      width: frame.width,
      height: frame.height,
      format: AV_PIX_FMT_GBRP,
      timeBase: { num: 1, den: 1 },
      pts: 0n,
    });
    try {
      return filterToPlanes(this.filter!, input);
    } finally {
      input.free();
    }
  }

  close(): void {
    this.filter?.close();
    this.filter = undefined;
  }
}
