/**
 * Transcoding of codecs RTSP clients cannot take as they are (VP9, MJPEG, AV1, ...) into H.264 with
 * the same timestamps. The encoder is created without `{ decoder }`: with it, node-av sets the encoder
 * time base to 1/framerate and a VFR stream gets quantised (docs/media-pitfalls.md, "`Encoder.create(codec,
 * { decoder })` quantises time to the frame rate"). Without it
 * the encoder takes the frames' time base, which is the stream's, and every PTS survives exactly.
 * x264 runs with tune=zerolatency (no lookahead, no B-frames): a restream paced in real time should
 * not hold frames back.
 *
 * The encoder is driven through its async encodeAll: node-av 6.1.1's encodeAllSync with libx264 corrupts
 * the heap (the process dies with "free(): invalid pointer" or SIGSEGV at the next GC; reproduced in
 * isolation, decodeAllSync is fine).
 */
import '../core/polyfill.js';
import { Decoder, Encoder } from 'node-av/api';
import { FF_ENCODER_LIBX264 } from 'node-av/constants';
import type { Packet, Stream } from 'node-av/lib';

/** What a low-latency H.264 encoder is asked for; the rest is x264's own defaults. */
export interface LowLatencyH264Settings {
  /** x264 preset (default veryfast). */
  preset?: string;
  /** Constant rate factor (quality); with maxRateBps a capped CRF. */
  crf: number;
  /** Ceiling of the bitrate (VBV, one second of buffer); none when absent. */
  maxRateBps?: number;
  /** Frames between keyframes x264 inserts by itself (a caller may force more). */
  gopSize: number;
  /** Keyframes at scene cuts (default yes); off when the caller places keyframes. */
  sceneCut?: boolean;
}

/**
 * libx264's private options for a live stream: tune=zerolatency (no lookahead, no B-frames, sliced
 * threads), so each frame in gives its packet out at once, in order, with its own pts; forced-idr makes a
 * frame whose pictType is AV_PICTURE_TYPE_I an IDR picture, so that a caller decides where keyframes go.
 */
export function lowLatencyX264Options(s: LowLatencyH264Settings): Record<string, string> {
  return {
    preset: s.preset ?? 'veryfast',
    tune: 'zerolatency',
    crf: String(s.crf),
    'forced-idr': '1',
    ...(s.sceneCut === false ? { sc_threshold: '0' } : {}),
  };
}

export class H264Transcoder {
  private constructor(
    private readonly decoder: Decoder,
    readonly encoder: Encoder,
  ) {}

  static async create(stream: Stream): Promise<H264Transcoder> {
    const decoder = await Decoder.create(stream);
    const encoder = await Encoder.create(FF_ENCODER_LIBX264, {
      context: { gopSize: 60, maxBFrames: 0 },
      options: lowLatencyX264Options({ crf: 20, gopSize: 60 }),
    });
    return new H264Transcoder(decoder, encoder);
  }

  /** Decodes one packet (or null to drain) and returns the H.264 packets it yields; caller frees them. */
  async push(packet: Packet | null): Promise<Packet[]> {
    const out: Packet[] = [];
    for (const frame of this.decoder.decodeAllSync(packet)) {
      try {
        out.push(...(await this.encoder.encodeAll(frame)));
      } finally {
        frame.free();
      }
    }
    if (packet === null) out.push(...(await this.encoder.encodeAll(null)));
    return out;
  }

  /** Encoder first: it may still reference frames the decoder owns. */
  close(): void {
    this.encoder.close();
    this.decoder.close();
  }
}
