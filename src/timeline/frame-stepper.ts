/**
 * Frame by frame through one video, forward and back, at about one decode a step. A FrameLookup
 * keeps its decoder warm, so the next frame is the decode of one more packet (frame-at.ts continues
 * from where the decoder is). The previous frame is the hard one: a decoder only goes forward, and
 * reaching frame k-1 again means decoding from its GOP's keyframe. So the pictures decoded on the way
 * to a frame are kept (up to a byte budget, those nearest the frame asked), and a step back is
 * usually a picture already decoded: one JPEG encode, no decode.
 */
import { encodeImage, type Frame } from '../media/index.js';
import { FrameLookup, type FrameLookupOptions } from './frame-at.js';
import type { FrameIndex } from './frame-index.js';
import type { VideoRef } from './video-ref.js';

/** 1080p in 4:2:0 is 3 MB a picture: 96 MiB keeps a 1 s GOP of it, a 2 s GOP at 720p. */
export const DEFAULT_STEPPER_CACHE_BYTES = 96 * 1024 * 1024;

export interface FrameStepperOptions extends FrameLookupOptions {
  /** Bytes of decoded pictures kept for steps back. */
  cacheBytes?: number;
}

export interface SteppedPicture {
  /** 0-based presentation index in the file. */
  index: number;
  jpeg: Buffer;
  /** Pictures decoded to answer: 0 when it was kept from an earlier decode. */
  decoded: number;
}

/**
 * Bytes a decoded picture holds: its planes, chroma planes narrower than luma taken as 4:2:0 (half
 * the rows too), the others as full height.
 */
function pictureBytes(f: Frame): number {
  const [luma = f.width, ...chroma] = f.linesize.filter((n) => n > 0);
  return chroma.reduce((sum, n) => sum + n * (n < luma ? f.height / 2 : f.height), luma * f.height);
}

export class FrameStepper {
  private readonly kept = new Map<number, { frame: Frame; bytes: number }>();
  private keptBytes = 0;
  private readonly presentationOf = new Map<bigint, number>();

  private constructor(
    private readonly lookup: FrameLookup,
    private readonly cacheBytes: number,
  ) {
    lookup.index.pts.forEach((pts, i) => this.presentationOf.set(pts, i));
  }

  static async open(ref: VideoRef, options: FrameStepperOptions = {}): Promise<FrameStepper> {
    const { cacheBytes = DEFAULT_STEPPER_CACHE_BYTES, ...lookupOptions } = options;
    return new FrameStepper(await FrameLookup.open(ref, lookupOptions), cacheBytes);
  }

  get index(): FrameIndex {
    return this.lookup.index;
  }

  /** Presentation index of the frame with this PTS, or -1. */
  indexOfPts(pts: bigint): number {
    return this.presentationOf.get(pts) ?? -1;
  }

  /** Pictures kept now, and their bytes. */
  get cached(): { pictures: number; bytes: number } {
    return { pictures: this.kept.size, bytes: this.keptBytes };
  }

  /** Frame `target` (presentation order) as a JPEG. */
  async jpeg(target: number): Promise<SteppedPicture> {
    const hit = this.kept.get(target);
    if (hit) return { index: target, jpeg: encodeImage(hit.frame, 'jpeg'), decoded: 0 };
    const r = await this.lookup.decodeFrame(target, (f) => this.keep(f, target));
    try {
      return { index: target, jpeg: encodeImage(r.frame, 'jpeg'), decoded: r.framesDecoded };
    } finally {
      this.keep(r.frame, target);
    }
  }

  /**
   * Keeps a decoded picture (or frees it); over budget, the pictures farthest from `near` go first,
   * so that the ones kept are those just before and after the frame being looked at.
   */
  private keep(frame: Frame, near: number): void {
    const i = this.indexOfPts(frame.pts);
    const bytes = pictureBytes(frame);
    if (i < 0 || this.kept.has(i) || bytes > this.cacheBytes) {
      frame.free();
      return;
    }
    this.kept.set(i, { frame, bytes });
    this.keptBytes += bytes;
    while (this.keptBytes > this.cacheBytes) {
      let far = -1;
      for (const k of this.kept.keys()) if (far < 0 || Math.abs(k - near) > Math.abs(far - near)) far = k;
      const out = this.kept.get(far)!;
      this.kept.delete(far);
      this.keptBytes -= out.bytes;
      out.frame.free();
    }
  }

  async close(): Promise<void> {
    for (const { frame } of this.kept.values()) frame.free();
    this.kept.clear();
    this.keptBytes = 0;
    await this.lookup.close();
  }
}
