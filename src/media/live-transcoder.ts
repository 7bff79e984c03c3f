/**
 * One live picture chain for a rendition: Annex B access units of H.264 or H.265 in, decoded
 * (unit-decoder.ts), scaled (or only converted to 4:2:0), encoded by libx264 with the low-latency
 * options of transcode-h264.ts, Annex B packets out (no global header: SPS and PPS in-band before every
 * keyframe). Every packet carries the pts of the frame it was made from, in the source's time base:
 * the decoder hands each frame the pts of the packet it came in (no framerate anywhere), the scaled
 * picture takes the frame's properties and the encoder the frame's time base, and x264 without B-frames outputs one packet per frame in
 * order.
 *
 * The encoder is libavcodec's CodecContext, not node-av's Encoder: Encoder clears every frame's
 * pictType (as the ffmpeg CLI does), which would take away the keyframes placed at the source's. The
 * calls that do the work (decode, scale, encode) are the async ones, which run on libuv's thread pool,
 * so a rendition never blocks the event loop that feeds the camera's other consumers; only receiving
 * what a send already made is synchronous (receivePackets says why).
 */
import '../core/polyfill.js';
import {
  AV_PICTURE_TYPE_I,
  AV_PICTURE_TYPE_NONE,
  AV_PIX_FMT_YUV420P,
  AVERROR_EAGAIN,
  FF_ENCODER_LIBX264,
  SWS_BICUBIC,
} from 'node-av/constants';
import {
  Codec,
  CodecContext,
  Dictionary,
  Frame,
  Packet,
  Rational as AvRational,
  SoftwareScaleContext,
} from 'node-av/lib';
import type { AVPixelFormat } from 'node-av/constants';
import { KadrError } from '../core/errors.js';
import type { Rational } from '../core/rational.js';
import { lowLatencyX264Options, type LowLatencyH264Settings } from './transcode-h264.js';
import { UnitDecoder } from './unit-decoder.js';

export interface LiveTranscoderOptions {
  codec: 'h264' | 'hevc';
  /** Parameter sets known out of band (Annex B), for a source that sends none in-band. */
  extradata?: Buffer;
  timeBase: Rational;
  /** Output height (even); null: the source's size (a codec change only). Never above the source's. */
  height: number | null;
  encoder: LowLatencyH264Settings;
  /**
   * The source's frame rate, as x264 sizes its rate control and VBV by it (timestamps still come from
   * the frames); 25 when unknown.
   */
  frameRate?: number;
  /**
   * Decoder threads. Frame threading holds a frame per extra thread back (40 ms at 25 fps), so 1 by
   * default; more only for a picture one core cannot decode in real time.
   */
  decoderThreads?: number;
}

/** One encoded picture: Annex B bytes, the pts of the source frame it was made from. */
export interface EncodedPicture {
  data: Buffer;
  pts: bigint;
  key: boolean;
}

export class LiveTranscoder {
  private readonly tb: AvRational;
  /**
   * The scaler (libswscale, bicubic as FFmpeg's scale filter) and the picture it writes into, reused
   * frame after frame: no filter graph, no frame allocated per picture.
   */
  private scaler: SoftwareScaleContext | null = null;
  private scaled: Frame | null = null;
  private scaleFor = '';
  private encoder: CodecContext | null = null;
  private readonly outPacket = new Packet();
  /** The size of the pictures the encoder was opened for (it cannot change size midway). */
  private encodedSize = '';
  private closed = false;
  /** Pts of the source keyframes on their way through the decoder: their pictures become IDRs. */
  private readonly keyPts = new Set<bigint>();
  /** The next picture out becomes an IDR (a viewer lost pictures). */
  private forceNext = false;
  /** Output size, once the first picture went through. */
  width = 0;
  outHeight = 0;

  /** Hands each decoded frame on to the scaler and encoder, collecting what comes out. */
  private out: EncodedPicture[] = [];
  private readonly onFrame = (frame: Frame) => this.picture(frame);

  private constructor(
    private readonly o: LiveTranscoderOptions,
    private readonly decoder: UnitDecoder,
  ) {
    this.outPacket.alloc();
    this.tb = new AvRational(o.timeBase.num, o.timeBase.den);
  }

  static async open(o: LiveTranscoderOptions): Promise<LiveTranscoder> {
    const decoder = await UnitDecoder.open({
      codec: o.codec,
      ...(o.extradata ? { extradata: o.extradata } : {}),
      timeBase: o.timeBase,
      threads: o.decoderThreads ?? 1,
    });
    return new LiveTranscoder(o, decoder);
  }

  /**
   * Decodes one access unit and encodes what it gives; `forceKey` makes the next picture out an IDR
   * (a source keyframe, or a viewer's picture-loss request). The packets of earlier units may come
   * out here too (the decoder's threads hold a frame or so back).
   */
  async push(data: Buffer, pts: bigint, key: boolean, forceKey: boolean): Promise<EncodedPicture[]> {
    if (this.closed) return [];
    // A keyframe the decoder dropped (damaged) never comes out: the set must not grow with them.
    if (this.keyPts.size > 64) this.keyPts.clear();
    if (key) this.keyPts.add(pts);
    if (forceKey) this.forceNext = true;
    await this.decoder.decode(data, pts, key, this.onFrame);
    return this.take();
  }

  /** Everything held back, at the end of a connection. The transcoder is closed afterwards. */
  async drain(): Promise<EncodedPicture[]> {
    if (this.closed) return [];
    await this.decoder.drain(this.onFrame);
    if (this.encoder) await this.encodeAll(null, this.out);
    return this.take();
  }

  /** Encoder first: it may still reference frames the decoder owns. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.encoder?.freeContext();
    this.scaler?.freeContext();
    this.scaled?.free();
    this.decoder.close();
    this.outPacket.free();
  }

  private take(): EncodedPicture[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  /** One decoded frame (the decoder's; it unrefs it afterwards). */
  private async picture(frame: Frame): Promise<void> {
    // Only the caller places keyframes: a decoded I picture is not one unless asked for.
    const idr = this.keyPts.delete(frame.pts) || this.forceNext;
    if (idr) this.forceNext = false;
    frame.pictType = idr ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
    await this.scaleAndEncode(frame, this.out);
  }

  private async scaleAndEncode(frame: Frame, out: EncodedPicture[]): Promise<void> {
    const height =
      this.o.height === null ? frame.height : Math.min(this.o.height, frame.height - (frame.height % 2));
    if (height === frame.height && frame.format === AV_PIX_FMT_YUV420P) {
      await this.encode(frame, out);
      return;
    }
    // FFmpeg's scale=-2:<height>: the width that keeps the picture's shape, rounded to an even number.
    const width = Math.max(2, Math.round((height * frame.width) / (frame.height * 2)) * 2);
    const key = `${frame.width}x${frame.height} ${frame.format} ${width}x${height}`;
    if (this.scaleFor !== key) {
      this.scaler?.freeContext();
      this.scaled?.free();
      this.scaler = new SoftwareScaleContext();
      this.scaler.getContext(frame.width, frame.height, frame.format as AVPixelFormat, width, height, AV_PIX_FMT_YUV420P, SWS_BICUBIC); // prettier-ignore
      const scaled = new Frame();
      scaled.alloc();
      scaled.width = width;
      scaled.height = height;
      scaled.format = AV_PIX_FMT_YUV420P;
      if (scaled.allocBuffer() < 0) throw new KadrError('KADR_ERR_INTERNAL', 'cannot allocate a picture');
      this.scaled = scaled;
      this.scaleFor = key;
    }
    const scaled = this.scaled!;
    // The encoder may still hold the last picture: then this one gets a buffer of its own.
    scaled.makeWritable();
    const ret = await this.scaler!.scaleFrame(scaled, frame);
    if (ret < 0) throw new KadrError('KADR_ERR_INTERNAL', `cannot scale the picture (${ret})`);
    // pts, time base, picture type (the keyframes placed) and colour properties, as the filter did.
    scaled.copyProps(frame);
    await this.encode(scaled, out);
  }

  private async encode(frame: Frame, out: EncodedPicture[]): Promise<void> {
    const size = `${frame.width}x${frame.height}`;
    if (this.encoder && this.encodedSize !== size) {
      // The source changed size midway (a new SPS): a new encoder starts with a keyframe.
      await this.encodeAll(null, out);
      this.encoder.freeContext();
      this.encoder = null;
    }
    if (!this.encoder) {
      this.encoder = await this.openEncoder(frame.width, frame.height);
      this.encodedSize = size;
      this.width = frame.width;
      this.outHeight = frame.height;
    }
    await this.encodeAll(frame, out);
  }

  private async openEncoder(width: number, height: number): Promise<CodecContext> {
    const codec = Codec.findEncoderByName(FF_ENCODER_LIBX264);
    if (!codec) throw new KadrError('KADR_ERR_CODEC_UNSUPPORTED', 'no libx264 encoder in this FFmpeg');
    const s = this.o.encoder;
    const ctx = new CodecContext();
    ctx.allocContext3(codec);
    ctx.width = width;
    ctx.height = height;
    ctx.pixelFormat = AV_PIX_FMT_YUV420P;
    ctx.timeBase = this.tb;
    const fps = this.o.frameRate && this.o.frameRate > 0 ? this.o.frameRate : 25;
    ctx.framerate = new AvRational(Math.round(fps * 1000), 1000);
    ctx.gopSize = s.gopSize;
    ctx.maxBFrames = 0;
    // As many threads as x264 picks (sliced threads under zerolatency: no added latency), so that a
    // large picture (the h264 quality of a 4K H.265 camera) still keeps up with real time.
    ctx.threadCount = 0;
    if (s.maxRateBps) {
      ctx.rcMaxRate = BigInt(s.maxRateBps);
      ctx.rcBufferSize = s.maxRateBps;
    }
    const options = Dictionary.fromObject(lowLatencyX264Options(s));
    try {
      const ret = await ctx.open2(codec, options);
      if (ret < 0) {
        ctx.freeContext();
        throw new KadrError('KADR_ERR_CODEC_UNSUPPORTED', `cannot open libx264 (${ret})`);
      }
    } finally {
      options.free();
    }
    return ctx;
  }

  private async encodeAll(frame: Frame | null, out: EncodedPicture[]): Promise<void> {
    const encoder = this.encoder!;
    for (;;) {
      const sent = await encoder.sendFrame(frame);
      await this.receivePackets(encoder, out, frame === null);
      if (sent !== AVERROR_EAGAIN) return;
    }
  }

  /**
   * libavcodec runs x264 inside sendFrame and keeps the packet it gave (x264 under zerolatency gives one
   * per frame, none held back): receiving only hands that packet over, or says there is none, so it is
   * a synchronous call instead of a trip through libuv's thread pool and back. Draining (frame null)
   * makes x264 flush its threads in receivePacket, which stays async.
   */
  private async receivePackets(
    encoder: CodecContext,
    out: EncodedPicture[],
    draining: boolean,
  ): Promise<void> {
    for (;;) {
      const ret = draining
        ? await encoder.receivePacket(this.outPacket)
        : encoder.receivePacketSync(this.outPacket);
      if (ret < 0) return;
      try {
        const data = this.outPacket.data;
        if (data)
          out.push({ data: Buffer.from(data), pts: this.outPacket.pts, key: this.outPacket.isKeyframe });
      } finally {
        this.outPacket.unref();
      }
    }
  }
}
