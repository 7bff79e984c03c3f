/**
 * Test helper: decode a still image (JPEG/PNG) with node-av and scale it with FFmpeg, into packed BGR
 * (for FaceDetector.detect) or yuv420p planes (for compositing into test videos).
 */
import '../../../src/core/polyfill.js';
import { Decoder, Demuxer, FilterAPI } from 'node-av/api';
import { Log } from 'node-av/lib';
import { AV_LOG_ERROR } from 'node-av/constants';

// JPEG decodes as yuvj420p, which swscale warns about on every conversion; the warning is noise here.
Log.setLevel(AV_LOG_ERROR);

export interface Picture {
  width: number;
  height: number;
  /** Tightly packed planes: one for bgr24, Y/U/V for yuv420p. */
  planes: Buffer[];
}

export async function loadPicture(
  path: string,
  format: 'bgr24' | 'yuv420p',
  size?: { width: number; height: number },
  crop?: { x: number; y: number; width: number; height: number },
): Promise<Picture> {
  const demuxer = await Demuxer.open(path);
  try {
    const stream = demuxer.video()!;
    const decoder = await Decoder.create(stream);
    const cropF = crop ? `crop=${crop.width}:${crop.height}:${crop.x}:${crop.y},` : '';
    const scale = size ? `scale=${size.width}:${size.height}:flags=bicubic,` : '';
    const filter = FilterAPI.create(`${cropF}${scale}format=${format}`);
    try {
      for (const frame of decoder.framesSync(demuxer.packetsSync(stream.index))) {
        if (!frame) continue;
        const [out] = filter.processAllSync(frame);
        frame.free();
        const w = out!.width;
        const h = out!.height;
        const dims =
          format === 'bgr24'
            ? [[w * 3, h]]
            : [
                [w, h],
                [w / 2, h / 2],
                [w / 2, h / 2],
              ];
        const planes = dims.map(([rowBytes, rows], i) => {
          const stride = out!.linesize[i]!;
          const src = out!.data![i]!;
          const dst = Buffer.alloc(rowBytes! * rows!);
          for (let y = 0; y < rows!; y++) src.copy(dst, y * rowBytes!, y * stride, y * stride + rowBytes!);
          return dst;
        });
        out!.free();
        return { width: w, height: h, planes };
      }
      throw new Error(`${path}: no frame`);
    } finally {
      filter.close();
      decoder.close();
    }
  } finally {
    await demuxer.close();
  }
}
