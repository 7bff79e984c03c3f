/**
 * JPEG pictures from a V4L2 camera (`/dev/video0`) through node-av's device input, for `kadr push
 * --device`. Most webcams send MJPEG: each packet is then a JPEG as it is and is passed on without
 * decoding; a camera that sends raw pictures has them encoded to JPEG here (image.ts).
 *
 * Capture time: the v4l2 input is opened with ts=abs, so packet timestamps are the kernel's capture
 * times on the wallclock (µs); a timestamp further than 10 s from this machine's clock (a driver that
 * stamps with the monotonic clock anyway) is replaced by the time the packet was read.
 *
 * Untested here: the machines kadr is developed on have no camera (docs/ingest.md).
 */
import '../core/polyfill.js';
import { Decoder, DeviceAPI, type Demuxer } from 'node-av/api';
import { AV_CODEC_ID_MJPEG, AVERROR_EOF, FF_DECODER_MJPEG } from 'node-av/constants';
import { type FormatContext, Packet, type Stream } from 'node-av/lib';
import { KadrError } from '../core/errors.js';
import { encodeImage } from './image.js';

export interface DeviceJpegOptions {
  width?: number;
  height?: number;
  fps?: number;
}

export class DeviceJpegSource {
  private readonly packet = new Packet();

  private constructor(
    private readonly demuxer: Demuxer,
    private readonly format: FormatContext,
    private readonly stream: Stream,
    private readonly decoder: Decoder | null,
  ) {
    this.packet.alloc();
  }

  static async open(device: string, options: DeviceJpegOptions = {}): Promise<DeviceJpegSource> {
    let demuxer: Demuxer;
    try {
      demuxer = await DeviceAPI.openCamera({
        videoDevice: device,
        ...(options.width ? { width: options.width } : {}),
        ...(options.height ? { height: options.height } : {}),
        ...(options.fps ? { frameRate: options.fps } : {}),
        v4l2: { inputFormat: FF_DECODER_MJPEG },
        formatOptions: { ts: 'abs' },
      });
    } catch (error) {
      throw new KadrError('KADR_ERR_INPUT_UNREADABLE', `cannot open ${device}: ${(error as Error).message}`, {
        hint: 'is it a V4L2 camera (ls /dev/video*), and may this user read it (group video)?',
        cause: error,
      });
    }
    const stream = demuxer.video();
    if (!stream) {
      await demuxer.close();
      throw new KadrError('KADR_ERR_INPUT_NO_VIDEO', `${device} gives no video`);
    }
    const decoder = stream.codecpar.codecId === AV_CODEC_ID_MJPEG ? null : await Decoder.create(stream);
    return new DeviceJpegSource(demuxer, demuxer.getFormatContext(), stream, decoder);
  }

  /** The next picture as a JPEG with its capture time (ms since 1970); null when the device ends. */
  async next(): Promise<{ jpeg: Buffer; captureMs: number } | null> {
    for (;;) {
      const ret = await this.format.readFrame(this.packet);
      if (ret === AVERROR_EOF) return null;
      if (ret < 0) throw new KadrError('KADR_ERR_INPUT_UNREADABLE', `camera read failed (${ret})`);
      try {
        if (this.packet.streamIndex !== this.stream.index) continue;
        const captureMs = this.captureMs();
        if (!this.decoder) return { jpeg: Buffer.from(this.packet.data ?? Buffer.alloc(0)), captureMs };
        for (const frame of this.decoder.decodeAllSync(this.packet)) {
          try {
            return { jpeg: encodeImage(frame, 'jpeg', 4), captureMs };
          } finally {
            frame.free();
          }
        }
      } finally {
        this.packet.unref();
      }
    }
  }

  async close(): Promise<void> {
    this.decoder?.close();
    this.packet.free();
    await this.demuxer.close();
  }

  private captureMs(): number {
    const now = Date.now();
    const tb = this.stream.timeBase;
    const pts = this.packet.pts;
    if (pts < 0n || tb.den === 0) return now;
    const ms = (Number(pts) * tb.num * 1000) / tb.den;
    return Math.abs(ms - now) < 10_000 ? Math.round(ms) : now;
  }
}
