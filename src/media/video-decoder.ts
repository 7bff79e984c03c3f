/**
 * A video decoder positioned by the caller: seek to a keyframe in exact stream ticks, read packets one by
 * one, decide per packet whether to decode it, receive frames. The timeline drives it with the frame index
 * so it can stop at exactly the wanted frame; analytics can use it to decode straight through.
 *
 * Seeking never uses Demuxer.seek(seconds, stream): in node-av 6.1.1 it reads seconds as stream ticks
 * wrongly (docs/media-pitfalls.md, "`Demuxer.seek(seconds, streamIndex)` lands in the wrong place"). seekFrameSync takes exact bigint ticks.
 */
import { Decoder } from 'node-av/api';
import {
  AV_NOPTS_VALUE,
  AV_PKT_FLAG_DISCARD,
  AVDISCARD_DEFAULT,
  AVDISCARD_NONREF,
  AVERROR_EOF,
  AVSEEK_FLAG_BACKWARD,
} from 'node-av/constants';
import { type CodecContext, type Frame, Packet } from 'node-av/lib';
import { KadrError } from '../core/errors.js';
import { displayName, openVideoInput, type VideoInput } from './input.js';

export interface PacketView {
  pts: bigint | null;
  dts: bigint | null;
  key: boolean;
  discard: boolean;
}

export class VideoDecoder {
  private readonly packet = new Packet();
  private readonly codec: CodecContext;
  private draining = false;
  /** Packets sent to the decoder since the last seek. */
  packetsDecoded = 0;

  private constructor(
    readonly input: VideoInput,
    private readonly decoder: Decoder,
  ) {
    this.packet.alloc();
    const codec = decoder.getCodecContext();
    if (!codec) throw new KadrError('KADR_ERR_INTERNAL', 'decoder has no codec context');
    this.codec = codec;
  }

  static async open(location: string, options: { threads?: number } = {}): Promise<VideoDecoder> {
    const input = await openVideoInput(location);
    try {
      const decoder = await Decoder.create(input.stream, {
        threadCount: options.threads ?? 0,
        exitOnError: false,
      });
      return new VideoDecoder(input, decoder);
    } catch (error) {
      await input.close();
      throw new KadrError(
        'KADR_ERR_CODEC_UNSUPPORTED',
        `cannot decode ${input.info.codec} video in ${displayName(location)}`,
        { cause: error },
      );
    }
  }

  /** Positions the demuxer at or before the keyframe whose timestamp is `ticks` and resets the decoder. */
  seek(ticks: bigint): void {
    const ret = this.input.format.seekFrameSync(this.input.info.streamIndex, ticks, AVSEEK_FLAG_BACKWARD);
    if (ret < 0) {
      // Some files have no seek index; reading from the start is always correct, only slower.
      this.input.format.seekFrameSync(this.input.info.streamIndex, -(2n ** 62n), AVSEEK_FLAG_BACKWARD);
    }
    this.codec.flushBuffers();
    this.draining = false;
    this.packetsDecoded = 0;
  }

  /** Reads the next video packet; null at the end of the file. Valid until the next call. */
  nextPacket(): PacketView | null {
    for (;;) {
      this.packet.unref();
      const ret = this.input.format.readFrameSync(this.packet);
      if (ret === AVERROR_EOF || ret < 0) return null;
      if (this.packet.streamIndex !== this.input.info.streamIndex) continue;
      return {
        pts: this.packet.pts === AV_NOPTS_VALUE ? null : this.packet.pts,
        dts: this.packet.dts === AV_NOPTS_VALUE ? null : this.packet.dts,
        key: this.packet.isKeyframe,
        discard: (this.packet.flags & AV_PKT_FLAG_DISCARD) !== 0,
      };
    }
  }

  /**
   * Sends the current packet to the decoder. With `skipIfUnreferenced`, the decoder drops it if no other
   * frame references it (AVDISCARD_NONREF): safe for frames before the one we want, never for the target.
   */
  decodeCurrent(skipIfUnreferenced = false): void {
    this.codec.setOption('skip_frame', skipIfUnreferenced ? AVDISCARD_NONREF : AVDISCARD_DEFAULT);
    this.decoder.decodeSync(this.packet);
    this.packetsDecoded++;
  }

  /** Tells the decoder no more packets come, so it hands out the frames it holds back. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    this.decoder.decodeSync(null);
  }

  /** The next decoded frame, or null when the decoder needs more input. The caller frees the frame. */
  receive(): Frame | null {
    const out = this.decoder.receiveSync();
    return out && typeof out === 'object' ? out : null;
  }

  async close(): Promise<void> {
    this.packet.free();
    this.decoder.close();
    await this.input.close();
  }
}
