/**
 * JPEG pictures in, H.264 access units out, one picture at a time as they arrive (HTTP frame ingest,
 * docs/ingest.md). Each picture carries its own PTS in milliseconds (its capture time relative to the
 * first one): the encoder is created without a frame rate and without `{ decoder }`, so it takes the
 * frames' 1/1000 time base and every PTS survives exactly (docs/media-pitfalls.md, "`Encoder.create(codec,
 * { decoder })` quantises time to the frame rate").
 *
 * The MJPEG decoder is a bare codec context (there is no demuxer stream to hand node-av's Decoder): a
 * JPEG file is one complete packet. Every picture is scaled to the first picture's size and converted
 * from the JPEG's full range to the limited range H.264 players expect (`scale` reads the range the
 * decoder marks on the frame). x264 runs with tune=zerolatency: one picture in, its access unit out,
 * so a live viewer and the recording both get it at once. No global header: the parameter sets come
 * in-band before every keyframe, which is what a live subscriber joining at a keyframe needs.
 */
import '../core/polyfill.js';
import { FilterAPI } from 'node-av/api';
import {
  AV_CODEC_ID_MJPEG,
  AV_PICTURE_TYPE_I,
  AV_PICTURE_TYPE_NONE,
  AV_OPT_TYPE_STRING,
  AV_PIX_FMT_YUV420P,
  AVERROR_EAGAIN,
  AVERROR_EOF,
  FF_ENCODER_LIBX264,
} from 'node-av/constants';
import { Codec, CodecContext, Frame, Packet, Rational } from 'node-av/lib';
import { KadrError } from '../core/errors.js';

const EOI = Buffer.from([0xff, 0xd9]);
/** Smallest and largest side of a picture taken (x264 and memory set the bounds, not JPEG). */
const MIN_SIDE = 16;
const MAX_SIDE = 8192;

export interface JpegH264Options {
  /** Longest time between keyframes, in ms of PTS (a live viewer joins at one). */
  keyframeIntervalMs?: number;
  /** x264 constant rate factor. */
  crf?: number;
  /** x264 preset. */
  preset?: string;
  /** x264 threads (0: x264 decides). */
  threads?: number;
}

/** One encoded access unit: Annex B H.264, PTS = DTS in ms (no B-frames). */
export interface EncodedUnit {
  packet: Packet;
  ptsMs: bigint;
  key: boolean;
}

export class JpegH264Encoder {
  private readonly decoder = new CodecContext();
  private readonly decoded = new Frame();
  private readonly input = new Packet();
  private encoder: CodecContext | null = null;
  private filter: FilterAPI | null = null;
  private lastKeyMs: bigint | null = null;
  /** The session's picture size: the first picture's. */
  width = 0;
  height = 0;

  constructor(private readonly options: JpegH264Options = {}) {
    const codec = Codec.findDecoder(AV_CODEC_ID_MJPEG);
    if (!codec) throw new KadrError('KADR_ERR_CODEC_UNSUPPORTED', 'this FFmpeg build has no MJPEG decoder');
    this.decoder.allocContext3(codec);
    this.decoder.threadCount = 1;
    const ret = this.decoder.open2Sync(codec, null);
    if (ret < 0) throw new KadrError('KADR_ERR_INTERNAL', `cannot open the MJPEG decoder (${ret})`);
    this.decoded.alloc();
    this.input.alloc();
  }

  /**
   * Decodes one JPEG. Throws KADR_ERR_INPUT_CORRUPT when it is not a picture; nothing of the session
   * changes then, so the next picture is encoded as if this one had never come.
   */
  decode(jpeg: Buffer): { width: number; height: number } {
    if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) {
      throw new KadrError(
        'KADR_ERR_INPUT_CORRUPT',
        'not a JPEG (it does not start with the SOI marker FF D8)',
      );
    }
    // FFmpeg's MJPEG decoder fills a cut-short picture with grey ("EOI missing, emulating"); a file
    // whose end marker is not in its last bytes was cut short (some encoders pad after it).
    if (jpeg.lastIndexOf(EOI, jpeg.length) < jpeg.length - 64) {
      throw new KadrError('KADR_ERR_INPUT_CORRUPT', 'the JPEG is cut short (no EOI marker FF D9 at its end)');
    }
    this.decoded.unref();
    this.input.data = jpeg;
    let ret = this.decoder.sendPacketSync(this.input);
    if (ret >= 0) ret = this.decoder.receiveFrameSync(this.decoded);
    this.input.unref();
    if (ret < 0 || this.decoded.width <= 0 || this.decoded.height <= 0) {
      this.decoded.unref();
      this.decoder.flushBuffers();
      throw new KadrError('KADR_ERR_INPUT_CORRUPT', `the JPEG does not decode (FFmpeg error ${ret})`);
    }
    const { width, height } = this.decoded;
    if (width < MIN_SIDE || height < MIN_SIDE || width > MAX_SIDE || height > MAX_SIDE) {
      this.decoded.unref();
      throw new KadrError(
        'KADR_ERR_INPUT_CORRUPT',
        `the picture is ${width}x${height}; frames must be ${MIN_SIDE}x${MIN_SIDE} to ${MAX_SIDE}x${MAX_SIDE}`,
      );
    }
    return { width, height };
  }

  /** Encodes the picture decode() just returned, at `ptsMs`; the caller frees the packets. */
  async encode(ptsMs: bigint): Promise<EncodedUnit[]> {
    if (this.width === 0) {
      // 4:2:0 needs even sides: an odd first picture loses its last column or row to the scaler.
      this.width = this.decoded.width & ~1;
      this.height = this.decoded.height & ~1;
    }
    this.filter ??= FilterAPI.create(
      `scale=${this.width}:${this.height}:out_range=tv:flags=bicubic,format=yuv420p`,
    );
    const encoder = (this.encoder ??= this.openEncoder());
    this.decoded.pts = ptsMs;
    this.decoded.timeBase = MS;
    const out: EncodedUnit[] = [];
    const keyEvery = BigInt(this.options.keyframeIntervalMs ?? 2000);
    for (const frame of this.filter.processAllSync(this.decoded)) {
      try {
        // Keyframes by time, not by a count of frames: the rate is whatever the client sends.
        const wantKey = this.lastKeyMs === null || ptsMs - this.lastKeyMs >= keyEvery;
        frame.pictType = wantKey ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
        if (wantKey) this.lastKeyMs = ptsMs;
        frame.timeBase = MS;
        check(await encoder.sendFrame(frame), 'send a picture to x264');
        await this.receive(out);
      } finally {
        frame.free();
      }
    }
    this.decoded.unref();
    return out;
  }

  /** What the encoder still holds (nothing with zerolatency, but drained to be sure). */
  async flush(): Promise<EncodedUnit[]> {
    if (!this.encoder) return [];
    const out: EncodedUnit[] = [];
    check(await this.encoder.sendFrame(null), 'drain x264');
    await this.receive(out);
    return out;
  }

  close(): void {
    this.encoder?.freeContext();
    this.filter?.close();
    this.decoded.free();
    this.input.free();
    this.decoder.freeContext();
  }

  /**
   * A bare libx264 context rather than node-av's Encoder: that one clears every frame's pict_type
   * before encoding (as the ffmpeg CLI does), so a keyframe could not be asked for by time. The async
   * send/receive is used, not the sync one (see transcode-h264.ts: the sync path corrupts the heap).
   */
  private openEncoder(): CodecContext {
    const codec = Codec.findEncoderByName(FF_ENCODER_LIBX264);
    if (!codec) throw new KadrError('KADR_ERR_CODEC_UNSUPPORTED', 'this FFmpeg build has no libx264');
    const ctx = new CodecContext();
    ctx.allocContext3(codec);
    ctx.width = this.width;
    ctx.height = this.height;
    ctx.pixelFormat = AV_PIX_FMT_YUV420P;
    ctx.timeBase = MS;
    ctx.gopSize = 1 << 20;
    ctx.maxBFrames = 0;
    ctx.threadCount = this.options.threads ?? 0;
    // Set on the context, not handed to open2Sync as a Dictionary: node-av 6.1.1's sync open frees such
    // a dictionary twice once avcodec_open2 has replaced it (the process dies at exit with SIGSEGV, or
    // at once with "double free" when it is freed after the open; docs/media-pitfalls.md).
    const options: Record<string, string> = {
      preset: this.options.preset ?? 'veryfast',
      tune: 'zerolatency',
      crf: String(this.options.crf ?? 23),
      // A keyframe asked for by pict_type is an IDR, where a late viewer can start.
      'forced-idr': '1',
      'x264-params': 'scenecut=0',
    };
    for (const [name, value] of Object.entries(options)) {
      const set = ctx.setOption(name, value, AV_OPT_TYPE_STRING);
      if (set < 0) throw new KadrError('KADR_ERR_INTERNAL', `libx264 refused ${name}=${value} (${set})`);
    }
    const ret = ctx.open2Sync(codec, null);
    if (ret < 0) {
      ctx.freeContext();
      throw new KadrError('KADR_ERR_INTERNAL', `cannot open libx264 (${ret})`);
    }
    return ctx;
  }

  private async receive(out: EncodedUnit[]): Promise<void> {
    for (;;) {
      const packet = new Packet();
      packet.alloc();
      const ret = await this.encoder!.receivePacket(packet);
      if (ret < 0) {
        packet.free();
        if (ret === AVERROR_EAGAIN || ret === AVERROR_EOF) return;
        check(ret, 'receive from x264');
      }
      out.push({ packet, ptsMs: packet.pts, key: packet.isKeyframe });
    }
  }
}

const MS = new Rational(1, 1000);

function check(ret: number, what: string): void {
  if (ret < 0) throw new KadrError('KADR_ERR_INTERNAL', `cannot ${what} (FFmpeg error ${ret})`);
}
