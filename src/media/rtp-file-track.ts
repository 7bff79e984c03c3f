/**
 * One video track of a file as RTP, for one client session: file reader → (H.264 transcode when the
 * codec is not passed through) → RTP packetizer. The caller paces it: peekSendTicks() says when the next
 * packet is due on the stream's clock, sendNext() packetizes it. Nothing here knows about RTSP.
 */
import '../core/polyfill.js';
import { AV_CODEC_ID_H264, AV_CODEC_ID_HEVC, AV_CODEC_ID_MPEG4 } from 'node-av/constants';
import type { Rational } from '../core/rational.js';
import { nptToTicks } from '../rtp/index.js';
import { type ReadPacket, RtpFileReader } from './rtp-file-reader.js';
import { RtpPacketizer } from './rtp-packetizer.js';
import { H264Transcoder } from './transcode-h264.js';

/** Codecs sent as they are: H.264 (RFC 6184), H.265 (RFC 7798), MPEG-4 Part 2 (RFC 6416). */
const PASSTHROUGH = new Set<number>([AV_CODEC_ID_H264, AV_CODEC_ID_HEVC, AV_CODEC_ID_MPEG4]);

export interface RtpFileTrackOptions {
  path: string;
  loop?: boolean;
  /** Probe stream info even where the container does not need it (for the description's duration). */
  probe?: boolean;
  ssrc: number;
  seq: number;
  /** Each RTP packet; the buffer is valid only during the call (see RtpPacketizerOptions). */
  onRtp(packet: Buffer): void;
}

export class RtpFileTrack {
  private next: ReadPacket | null | undefined;
  private packetizer: RtpPacketizer | undefined;
  /** What earlier packetizers sent (a seek starts a new one): sequence numbers and counts go on. */
  private carried = { seq: -1, packets: 0, octets: 0 };
  private fed = false;
  /** PTS of the first packet sent after open or seek: normal play time 0 (or the seek point). */
  startPts: bigint | undefined;

  private constructor(
    private readonly reader: RtpFileReader,
    private transcoder: H264Transcoder | undefined,
    private readonly options: RtpFileTrackOptions,
  ) {}

  static async open(options: RtpFileTrackOptions): Promise<RtpFileTrack> {
    const reader = await RtpFileReader.open(options.path, { loop: options.loop, probe: options.probe });
    const stream = reader.videoStream;
    const transcoder = PASSTHROUGH.has(stream.codecpar.codecId)
      ? undefined
      : await H264Transcoder.create(stream);
    return new RtpFileTrack(reader, transcoder, options);
  }

  get transcoding(): boolean {
    return this.transcoder !== undefined;
  }

  get timeBase(): Rational {
    return this.reader.timeBase;
  }

  get durationSec(): number | undefined {
    return this.reader.durationSec;
  }

  get ssrc(): number {
    return this.options.ssrc >>> 0;
  }

  /** Sequence number of the next RTP packet. */
  get nextSeq(): number {
    if (this.packetizer) return this.packetizer.nextSeq;
    return this.carried.seq >= 0 ? this.carried.seq : this.options.seq & 0xffff;
  }

  get packetCount(): number {
    return this.carried.packets + (this.packetizer?.packetCount ?? 0);
  }

  get octetCount(): number {
    return this.carried.octets + (this.packetizer?.octetCount ?? 0);
  }

  /** RTP timestamp of a time in stream ticks; undefined before the first RTP packet. */
  rtpTimestampFor(ticks: bigint): number | undefined {
    return this.packetizer?.rtpTimestampFor(ticks);
  }

  /** When the next packet is due, in stream ticks; null at the end of the file. */
  async peekSendTicks(): Promise<bigint | null> {
    if (this.next === undefined) this.next = await this.reader.next();
    return this.next?.sendTicks ?? null;
  }

  /**
   * The next packet's send time, PTS and keyframe flag, without sending it; null at the end. What a
   * cache of the packetized file records beside each packet's RTP packets.
   */
  async peekPacket(): Promise<{ pts: bigint; dts: bigint | null; key: boolean } | null> {
    if (this.next === undefined) this.next = await this.reader.next();
    if (!this.next) return null;
    const { packet, dtsMissing } = this.next;
    return { pts: packet.pts, dts: dtsMissing ? null : packet.dts, key: packet.isKeyframe };
  }

  /** See RtpFileReader.passTicks. */
  get passTicks(): bigint | undefined {
    return this.reader.passTicks;
  }

  /** Packetizes the next packet; its RTP packets go to onRtp before this returns. */
  async sendNext(): Promise<boolean> {
    if (this.next === undefined) this.next = await this.reader.next();
    const item = this.next;
    this.next = undefined;
    if (!item) {
      await this.drain();
      return false;
    }
    if (this.startPts === undefined) {
      this.startPts = item.packet.pts;
      this.nptZero ??= item.packet.pts;
    }
    // item.packet is the reader's (reused by its next read): never freed here
    this.fed = true;
    if (!this.transcoder) {
      this.packetizer ??= RtpPacketizer.forStream(this.reader.videoStream, this.packetizerOptions());
      this.packetizer.write(item.packet);
    } else {
      for (const out of await this.transcoder.push(item.packet)) {
        try {
          this.packetizer ??= RtpPacketizer.forEncoder(
            this.transcoder.encoder,
            this.reader.timeBase,
            this.packetizerOptions(),
          );
          this.packetizer.write(out);
        } finally {
          out.free();
        }
      }
    }
    return true;
  }

  /** NPT 0 in stream ticks: the PTS of the first packet of the file, kept across seeks. */
  async nptZeroPts(): Promise<bigint> {
    if (this.nptZero === undefined) {
      await this.peekSendTicks();
      this.nptZero = this.startPts ?? this.next?.packet.pts ?? 0n;
    }
    return this.nptZero;
  }

  private nptZero: bigint | undefined;

  /**
   * Seeks to the keyframe at or before `sec` of normal play time; startPts becomes that keyframe's.
   * Timestamps may go back (a seek backwards, or to the first pass of a loop), which libavformat's RTP
   * muxer refuses (EINVAL, non-monotonic DTS) and a running encoder would mangle: both start afresh. The
   * new packetizer has a new RTP timestamp base (RTP-Info of the PLAY says it) and continues the
   * sequence numbers.
   */
  async seek(sec: number): Promise<void> {
    const zero = await this.nptZeroPts();
    const tb = this.reader.timeBase;
    this.next = undefined;
    this.reader.seekToTicks(nptToTicks(sec, zero, tb));
    this.startPts = undefined;
    if (this.packetizer) {
      this.carried = { seq: this.packetizer.nextSeq, packets: this.packetCount, octets: this.octetCount };
      this.packetizer.close();
      this.packetizer = undefined;
    }
    if (this.transcoder && this.fed) {
      const fresh = await H264Transcoder.create(this.reader.videoStream);
      this.transcoder.close();
      this.transcoder = fresh;
    }
    this.fed = false;
  }

  /**
   * The SDP media section. It needs the first packet through the muxer (sprop-parameter-sets of a
   * transcode exist only then), so call it on a track opened for describing, not on a client's.
   */
  async sdpMediaSection(): Promise<string[]> {
    const saved = this.options.onRtp;
    const held: Buffer[] = [];
    this.options.onRtp = (p) => held.push(Buffer.from(p));
    try {
      while (!this.packetizer) if (!(await this.sendNext())) break;
    } finally {
      this.options.onRtp = saved;
    }
    if (!this.packetizer) throw new Error(`no packet could be packetized from ${this.options.path}`);
    return this.packetizer.sdpMediaSection();
  }

  private packetizerOptions() {
    return { ssrc: this.options.ssrc, seq: this.nextSeq, onRtp: (p: Buffer) => this.options.onRtp(p) };
  }

  private async drain(): Promise<void> {
    if (!this.transcoder || !this.packetizer) return;
    for (const out of await this.transcoder.push(null)) {
      this.packetizer.write(out);
      out.free();
    }
  }

  async close(): Promise<void> {
    this.next = undefined;
    this.packetizer?.close();
    this.transcoder?.close();
    await this.reader.close();
  }
}
