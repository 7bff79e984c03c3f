/**
 * Decodes a live camera's Annex B access units (H.264 / H.265, from a stream hub): libavcodec through
 * node-av's CodecContext (not VideoDecoder, which reads a demuxer's packets from a file or URL: here
 * they come from a hub, as Buffers), decoding in the async calls (libuv's thread pool, so decoding
 * never blocks the event loop that feeds the camera's other consumers), every frame with the pts of the
 * packet it came in (no frame rate anywhere). Two ways out: decode() hands each decoded frame as it is (a
 * rendition's encoder, live-transcoder.ts), push() hands packed BGR scaled to fit `maxSide` (one
 * swscale pass, only for the frames the caller keeps: analysis).
 *
 * The caller decides which frames it wants before they are decoded (`wanted`): a unit that no other
 * picture references and that is not wanted is never sent to the decoder (the cheap part of a sampled
 * analysis: at 5 of 25 frames a second, the non-reference frames cost nothing).
 */
import '../core/polyfill.js';
import { FilterAPI } from 'node-av/api';
import {
  AV_CODEC_ID_H264,
  AV_CODEC_ID_HEVC,
  AV_NOPTS_VALUE,
  AV_PIX_FMT_BGR24,
  AV_PKT_FLAG_KEY,
  AVERROR_EAGAIN,
} from 'node-av/constants';
import { Codec, CodecContext, Frame, Packet, Rational as AvRational } from 'node-av/lib';
import { KadrError } from '../core/errors.js';
import type { Rational } from '../core/rational.js';
import { encodeImage } from './image.js';

export interface UnitDecoderOptions {
  codec: 'h264' | 'hevc';
  /** Parameter sets known out of band (Annex B), for a source that sends none in-band. */
  extradata?: Buffer;
  timeBase: Rational;
  threads?: number;
}

/** A decoded picture, packed BGR (3 bytes a pixel, rows without padding), at most `maxSide` long. */
export interface BgrPicture {
  pts: bigint;
  bgr: Buffer;
  width: number;
  height: number;
  /** The decoded frame's own size (the camera's picture). */
  sourceWidth: number;
  sourceHeight: number;
}

/** Receives a decoded frame (pts and time base set); the frame is unref'd when the promise settles. */
export type FrameSink = (frame: Frame) => Promise<void>;

export class UnitDecoder {
  private readonly packet = new Packet();
  private readonly frame = new Frame();
  private readonly tb: AvRational;
  private filter: FilterAPI | null = null;
  private filterFor = '';
  private closed = false;
  private readonly decoderThreads: number;
  /** Units never sent to the decoder because no picture needs them. */
  skippedNonReference = 0;

  private constructor(
    private readonly o: UnitDecoderOptions,
    private readonly decoder: CodecContext,
  ) {
    this.packet.alloc();
    this.frame.alloc();
    this.tb = new AvRational(o.timeBase.num, o.timeBase.den);
    this.decoderThreads = decoder.threadCount;
  }

  static async open(o: UnitDecoderOptions): Promise<UnitDecoder> {
    const codec = Codec.findDecoder(o.codec === 'h264' ? AV_CODEC_ID_H264 : AV_CODEC_ID_HEVC);
    if (!codec) throw new KadrError('KADR_ERR_CODEC_UNSUPPORTED', `no ${o.codec} decoder in this FFmpeg`);
    const ctx = new CodecContext();
    ctx.allocContext3(codec);
    ctx.threadCount = o.threads ?? 1;
    ctx.pktTimebase = new AvRational(o.timeBase.num, o.timeBase.den);
    if (o.extradata && o.extradata.length > 0) ctx.extraData = o.extradata;
    const ret = await ctx.open2(codec, null);
    if (ret < 0) {
      ctx.freeContext();
      throw new KadrError('KADR_ERR_CODEC_UNSUPPORTED', `cannot open the ${o.codec} decoder (${ret})`);
    }
    return new UnitDecoder(o, ctx);
  }

  /**
   * Decodes one access unit; for every frame that comes out (maybe of an earlier unit: the decoder
   * reorders) `wanted(pts)` says whether to convert it, and the wanted ones are returned. A unit that
   * is not `key`, that nothing references (H.264 nal_ref_idc 0 on every slice) and whose pts is not
   * wanted is dropped unseen.
   */
  async push(
    data: Buffer,
    pts: bigint,
    key: boolean,
    wanted: (pts: bigint) => boolean,
    maxSide: number,
  ): Promise<BgrPicture[]> {
    if (this.closed) return [];
    if (!key && this.o.codec === 'h264' && !wanted(pts) && isNonReferenceH264(data)) {
      this.skippedNonReference++;
      return [];
    }
    const out: BgrPicture[] = [];
    await this.decode(data, pts, key, async (frame) => {
      if (wanted(frame.pts)) out.push(await this.toBgr(frame, maxSide));
    });
    return out;
  }

  /**
   * Decodes one access unit and hands `sink` every frame that comes out (maybe of an earlier unit:
   * the decoder's threads and reordering hold some back), in presentation order.
   */
  async decode(data: Buffer, pts: bigint, key: boolean, sink: FrameSink): Promise<void> {
    if (this.closed) return;
    this.packet.unref();
    this.packet.data = data;
    this.packet.pts = pts;
    this.packet.dts = pts;
    this.packet.timeBase = this.tb;
    if (key) this.packet.flags = AV_PKT_FLAG_KEY;
    for (;;) {
      const ret = await this.decoder.sendPacket(this.packet);
      if (ret === AVERROR_EAGAIN) {
        await this.receiveAll(sink);
        continue;
      }
      // A damaged unit is dropped by the decoder, as a player would conceal it; the next one goes on.
      break;
    }
    await this.receiveAll(sink);
  }

  /** Everything the decoder still holds, at the end of a connection; decode() ends with it. */
  async drain(sink: FrameSink): Promise<void> {
    if (this.closed) return;
    await this.decoder.sendPacket(null);
    await this.receiveAll(sink);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.filter?.close();
    this.decoder.freeContext();
    this.frame.free();
    this.packet.free();
  }

  private async receiveAll(sink: FrameSink): Promise<void> {
    // On one thread the decoding is done in sendPacket and receiving only hands over the picture
    // already made (or says there is none): a call cheaper than a trip through libuv's thread pool and
    // back. With frame threads a receive can wait for a decoding thread, so it stays async there.
    const sync = this.decoderThreads === 1;
    for (;;) {
      const ret = sync
        ? this.decoder.receiveFrameSync(this.frame)
        : await this.decoder.receiveFrame(this.frame);
      if (ret < 0) return;
      try {
        // The frame's own pts is the packet's; best effort only where a packet carried none.
        if (this.frame.pts === AV_NOPTS_VALUE) this.frame.pts = this.frame.bestEffortTimestamp;
        // The filter's buffer source is set up from the frame and refuses one without a time base.
        this.frame.timeBase = this.tb;
        await sink(this.frame);
      } finally {
        this.frame.unref();
      }
    }
  }

  private async toBgr(frame: Frame, maxSide: number): Promise<BgrPicture> {
    const scale = Math.min(1, maxSide / Math.max(frame.width, frame.height));
    const width = Math.max(2, Math.round((frame.width * scale) / 2) * 2);
    const height = Math.max(2, Math.round((frame.height * scale) / 2) * 2);
    const description = `scale=${width}:${height}:flags=bilinear,format=bgr24`;
    const key = `${description} ${frame.width}x${frame.height} ${frame.format}`;
    if (this.filterFor !== key) {
      this.filter?.close();
      this.filter = FilterAPI.create(description, { graph: { nbThreads: 1 } });
      this.filterFor = key;
    }
    const pictures = await this.filter!.processAll(frame);
    const [picture, ...rest] = pictures;
    for (const extra of rest) extra.free();
    if (!picture) throw new KadrError('KADR_ERR_INTERNAL', 'the scale filter returned no picture');
    try {
      const stride = picture.linesize[0]!;
      const plane = picture.data![0]!;
      const bgr = Buffer.allocUnsafe(width * height * 3);
      for (let y = 0; y < height; y++) plane.copy(bgr, y * width * 3, y * stride, y * stride + width * 3);
      return {
        pts: frame.pts,
        bgr,
        width,
        height,
        sourceWidth: frame.width,
        sourceHeight: frame.height,
      };
    } finally {
      picture.free();
    }
  }
}

/** A packed BGR picture as a JPEG (full range, the image module's encoder). */
export function bgrToJpeg(bgr: Buffer, width: number, height: number): Buffer {
  const frame = Frame.fromVideoBuffer(bgr.subarray(0, width * height * 3), {
    width,
    height,
    format: AV_PIX_FMT_BGR24,
    timeBase: { num: 1, den: 1 },
    pts: 0n,
  });
  try {
    return encodeImage(frame, 'jpeg');
  } finally {
    frame.free();
  }
}

/**
 * Every slice NAL unit (types 1 and 5) of an H.264 access unit has nal_ref_idc 0: no other picture is
 * predicted from it (ITU-T H.264 7.4.1), so leaving it out changes no other picture. False when the
 * unit holds no slice at all.
 */
export function isNonReferenceH264(data: Buffer): boolean {
  let slices = 0;
  for (let i = 0; i + 3 < data.length; i++) {
    if (data[i] !== 0 || data[i + 1] !== 0) continue;
    let h: number;
    if (data[i + 2] === 1) h = i + 3;
    else if (data[i + 2] === 0 && data[i + 3] === 1) h = i + 4;
    else continue;
    const header = data[h];
    if (header === undefined) break;
    const type = header & 0x1f;
    if (type === 1 || type === 5) {
      if ((header & 0x60) !== 0) return false;
      slices++;
    }
    i = h;
  }
  return slices > 0;
}
