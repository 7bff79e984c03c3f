/**
 * Packed BGR (`bgr24`) → scaled planar BGR through FFmpeg's swscale, for callers that hold a picture in
 * memory rather than a video (still images, tests, the HTTP API later). One filter graph per call:
 * building it costs well under a millisecond, and pictures of any size can come in.
 */
import '../core/polyfill.js';
import { FilterAPI } from 'node-av/api';
import { Frame } from 'node-av/lib';
import { AV_PIX_FMT_BGR24 } from 'node-av/constants';

export interface PlanarBgrPicture {
  width: number;
  height: number;
  b: Buffer;
  g: Buffer;
  r: Buffer;
  stride: number;
}

export function bgrToPlanarBgr(
  bgr: Buffer,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
): PlanarBgrPicture {
  const frame = Frame.fromVideoBuffer(bgr.subarray(0, width * height * 3), {
    width,
    height,
    format: AV_PIX_FMT_BGR24,
    timeBase: { num: 1, den: 1 },
    pts: 0n,
  });
  const filter = FilterAPI.create(`scale=${outWidth}:${outHeight}:flags=bilinear,format=gbrp`, {
    graph: { nbThreads: 1 },
  });
  try {
    return filterToPlanes(filter, frame);
  } finally {
    filter.close();
    frame.free();
  }
}

/**
 * Runs `input` through a filter graph that ends in `format=gbrp` and copies the three planes out
 * (they must outlive the native frame, which is freed here; `input` stays the caller's).
 */
export function filterToPlanes(filter: FilterAPI, input: Frame): PlanarBgrPicture {
  const [out, ...rest] = filter.processAllSync(input);
  for (const extra of rest) extra.free();
  if (!out) throw new Error('scale filter returned no frame');
  try {
    const data = out.data!;
    const stride = out.linesize[0]!;
    return {
      width: out.width,
      height: out.height,
      g: Buffer.from(data[0]!.subarray(0, stride * out.height)),
      b: Buffer.from(data[1]!.subarray(0, stride * out.height)),
      r: Buffer.from(data[2]!.subarray(0, stride * out.height)),
      stride,
    };
  } finally {
    out.free();
  }
}
