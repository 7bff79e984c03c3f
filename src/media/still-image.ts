/**
 * One uploaded still picture (JPEG or PNG, told by its first bytes, never by a name or a MIME type the
 * client sends) decoded to packed BGR. Like jpeg-h264-encoder.ts, a bare codec context: the whole file is
 * one packet. `max_pixels` makes FFmpeg refuse a picture whose header announces more pixels than
 * MAX_PIXELS before it allocates them, so a tiny file cannot ask for gigabytes. The pixels come turned
 * as the EXIF Orientation tag says (exif-orientation.ts): upright, as any viewer shows the photo.
 */
import '../core/polyfill.js';
import { FilterAPI } from 'node-av/api';
import { AV_CODEC_ID_MJPEG, AV_CODEC_ID_PNG } from 'node-av/constants';
import { Codec, CodecContext, Frame, Packet, Rational } from 'node-av/lib';
import { KadrError } from '../core/errors.js';
import { exifOrientation, orientPixels, type Orientation } from './exif-orientation.js';

export type StillFormat = 'jpeg' | 'png';

export interface BgrStill {
  format: StillFormat;
  width: number;
  height: number;
  /** Packed BGR, 3 bytes per pixel, rows without padding; already turned upright. */
  bgr: Buffer;
  /** The EXIF orientation the stored pixels had (1: none, or as stored); `width`/`height` are after it. */
  orientation: Orientation;
}

/** 50 megapixels: more than any phone camera's photo. */
export const MAX_PIXELS = 50_000_000;
const EOI = Buffer.from([0xff, 0xd9]);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function stillFormatOf(bytes: Buffer): StillFormat | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  return null;
}

/**
 * Throws KADR_ERR_INPUT_NOT_MEDIA when the bytes are neither JPEG nor PNG, KADR_ERR_INPUT_CORRUPT when
 * they start like one but do not decode (cut short, damaged, or over MAX_PIXELS).
 */
export function decodeStill(bytes: Buffer): BgrStill {
  const format = stillFormatOf(bytes);
  if (!format) {
    throw new KadrError('KADR_ERR_INPUT_NOT_MEDIA', 'not a JPEG or PNG picture', {
      hint: 'send a photo as a JPEG or PNG file',
    });
  }
  // FFmpeg's MJPEG decoder fills a cut-short picture with grey ("EOI missing, emulating"); a file whose
  // end marker is not in its last bytes was cut short (some encoders pad after it).
  if (format === 'jpeg' && bytes.lastIndexOf(EOI) < bytes.length - 64) {
    throw new KadrError('KADR_ERR_INPUT_CORRUPT', 'the JPEG is cut short (no end marker FF D9 at its end)', {
      hint: 'send the whole file',
    });
  }
  const codec = Codec.findDecoder(format === 'jpeg' ? AV_CODEC_ID_MJPEG : AV_CODEC_ID_PNG);
  if (!codec) throw new KadrError('KADR_ERR_CODEC_UNSUPPORTED', `this FFmpeg build cannot decode ${format}`);
  const ctx = new CodecContext();
  const packet = new Packet();
  const frame = new Frame();
  let filter: FilterAPI | undefined;
  try {
    ctx.allocContext3(codec);
    ctx.threadCount = 1;
    // An option on the context, not an options dictionary for open2: avcodec_open2 consumes and frees
    // the dictionary's entries, and node-av's wrapper then freed it a second time ("free(): invalid pointer").
    ctx.setOption('max_pixels', String(MAX_PIXELS));
    const opened = ctx.open2Sync(codec, null);
    if (opened < 0) throw new KadrError('KADR_ERR_INTERNAL', `cannot open the ${format} decoder (${opened})`);
    packet.alloc();
    frame.alloc();
    packet.data = bytes;
    let ret = ctx.sendPacketSync(packet);
    packet.unref();
    if (ret >= 0) ret = ctx.receiveFrameSync(frame);
    if (ret < 0) {
      // A packet the decoder keeps for later (a PNG is complete in one): flushing gives the frame.
      ctx.sendPacketSync(null);
      ret = ctx.receiveFrameSync(frame);
    }
    if (ret < 0 || frame.width <= 0 || frame.height <= 0) {
      throw new KadrError(
        'KADR_ERR_INPUT_CORRUPT',
        `the ${format === 'jpeg' ? 'JPEG' : 'PNG'} does not decode (FFmpeg error ${ret})`,
        { hint: `send an undamaged picture of at most ${MAX_PIXELS / 1e6} megapixels` },
      );
    }
    const { width, height } = frame;
    frame.timeBase = new Rational(1, 1); // the filter's buffer source wants one; a still has no time
    filter = FilterAPI.create('format=bgr24', { graph: { nbThreads: 1 } });
    const [out, ...rest] = filter.processAllSync(frame);
    for (const extra of rest) extra.free();
    if (!out) throw new KadrError('KADR_ERR_INTERNAL', 'the colour conversion returned no picture');
    try {
      const stride = out.linesize[0]!;
      const src = out.data![0]!;
      const bgr = Buffer.alloc(width * height * 3);
      for (let y = 0; y < height; y++) src.copy(bgr, y * width * 3, y * stride, y * stride + width * 3);
      const orientation = exifOrientation(bytes);
      const upright = orientPixels(bgr, width, height, orientation);
      return { format, width: upright.width, height: upright.height, bgr: upright.pixels, orientation };
    } finally {
      out.free();
    }
  } finally {
    filter?.close();
    frame.free();
    packet.free();
    ctx.freeContext();
  }
}
