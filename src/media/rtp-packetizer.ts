/**
 * RTP packetization through libavformat's `rtp` muxer (RFC 6184 H.264 with FU-A/STAP-A, RFC 7798
 * H.265, RFC 6416 MPEG-4 Part 2, ...) writing into a callback, and the SDP media section from
 * av_sdp_create (rtpmap, fmtp with sprop-parameter-sets / sprop-vps...). The RTP timestamp of every
 * packet is base + PTS rescaled to 90 kHz, exactly (src/rtp/rtp-timing.ts); node-av's RTPStream is never used because it
 * rewrites timestamps to a constant step (docs/media-pitfalls.md, "`RTPStream` rewrites RTP timestamps
 * to a constant step").
 *
 * libavformat's own RTCP sender reports are dropped: their NTP time is taken when the header is
 * written and their RTP time is the base (PTS 0), not the clock kadr paces by, so kadr sends its own
 * (src/rtp/rtcp-sender-report.ts).
 */
import '../core/polyfill.js';
import { type Encoder, Muxer, StreamingUtils } from 'node-av/api';
import { AV_NOPTS_VALUE } from 'node-av/constants';
import type { Packet, Stream } from 'node-av/lib';
import type { Rational } from '../core/rational.js';
import { rtpBaseOf, rtpTimestampAt } from '../rtp/index.js';

export interface RtpPacketizerOptions {
  ssrc: number;
  /** First sequence number (0-65535). */
  seq: number;
  payloadType?: number;
  /** Bytes per RTP packet; 1400 keeps UDP datagrams under a 1500-byte MTU. */
  maxPacketSize?: number;
  /**
   * Each RTP packet, in a buffer that is valid only during the call (libavformat reuses it): copy
   * what you keep. Copying once, into the sink's own output buffer, is what keeps GC low.
   */
  onRtp(packet: Buffer): void;
}

export class RtpPacketizer {
  private readonly muxer: Muxer;
  private readonly outIndex: number;
  /** RTP timestamp of PTS 0, learnt from the first packet (libavformat picks it at random). */
  private base: number | undefined;
  private pendingPts: bigint | undefined;
  nextSeq: number;
  packetCount = 0;
  octetCount = 0;

  private constructor(
    source: Stream | Encoder,
    readonly timeBase: Rational,
    private readonly options: RtpPacketizerOptions,
  ) {
    this.nextSeq = options.seq & 0xffff;
    this.muxer = Muxer.openSync(
      { write: (buf: Buffer) => this.onWrite(buf) },
      {
        format: 'rtp',
        maxPacketSize: options.maxPacketSize ?? 1400,
        // One stream: no interleaving queue, so each packet leaves in the same call that wrote it.
        useSyncQueue: false,
        // Restreams may start mid-GOP after a seek; never drop what the caller chose to send.
        copyInitialNonkeyframes: true,
        options: { payload_type: options.payloadType ?? 96, ssrc: options.ssrc >>> 0, seq: this.nextSeq },
      },
    );
    this.outIndex = this.muxer.addStream(source as Stream);
  }

  static forStream(stream: Stream, options: RtpPacketizerOptions): RtpPacketizer {
    return new RtpPacketizer(stream, { num: stream.timeBase.num, den: stream.timeBase.den }, options);
  }

  static forEncoder(encoder: Encoder, timeBase: Rational, options: RtpPacketizerOptions): RtpPacketizer {
    return new RtpPacketizer(encoder, timeBase, options);
  }

  get ssrc(): number {
    return this.options.ssrc >>> 0;
  }

  get rtpBase(): number | undefined {
    return this.base;
  }

  /** RTP timestamp for a time in stream ticks; undefined until the first packet went out. */
  rtpTimestampFor(ticks: bigint): number | undefined {
    if (this.base === undefined) return undefined;
    return rtpTimestampAt(this.base, ticks, this.timeBase);
  }

  /**
   * Packetizes one packet (timestamps in `timeBase`); its RTP packets reach onRtp before this returns.
   * The packet's timestamps are rescaled in place: the caller must not use them afterwards.
   */
  write(packet: Packet): void {
    this.pendingPts = packet.pts;
    this.setCheckedDts(packet);
    try {
      if (!this.outTimeBase) {
        // The first packet goes through node-av's Muxer, which writes the header...
        this.muxer.writePacketSync(packet, this.outIndex);
        this.outTimeBase = this.muxer.getFormatContext().streams[this.outIndex]?.timeBase;
      } else {
        // ...the rest straight to av_write_frame: the Muxer clones every packet and node-av reports
        // packet memory to V8, so at 1080p its path costs more in GC than the packetizing itself.
        // av_write_frame leaves the packet to us (the caller reuses or frees it).
        const tb = this.timeBase;
        packet.rescaleTs({ num: tb.num, den: tb.den }, this.outTimeBase);
        packet.streamIndex = this.outIndex;
        const ret = this.muxer.getFormatContext().writeFrameSync(packet);
        if (ret < 0) throw new Error(`av_write_frame failed (${ret})`);
      }
    } finally {
      this.pendingPts = undefined;
    }
  }

  private outTimeBase: { num: number; den: number } | undefined;
  private lastDts: bigint | undefined;

  /**
   * RTP carries no DTS (the timestamp is the PTS); libavformat only checks that DTS increase and never
   * pass the PTS, and refuses the packet otherwise (EINVAL). A file's DTS cannot always be trusted for
   * that: after a seek Matroska gives the first packets none, and the stand-in (the previous send time)
   * can pass a B-frame's PTS. A DTS a fixed 10 s behind the PTS, kept increasing, passes both checks
   * for any real reordering and changes nothing that is sent.
   */
  private setCheckedDts(packet: Packet): void {
    if (packet.pts === AV_NOPTS_VALUE) return;
    const tb = this.timeBase;
    const lag = BigInt(Math.ceil((10 * tb.den) / tb.num));
    const dts = packet.pts - lag;
    this.lastDts = this.lastDts === undefined || dts > this.lastDts ? dts : this.lastDts + 1n;
    packet.dts = this.lastDts;
  }

  /** The media section of the SDP (`m=` line onwards), as libavformat writes it. */
  sdpMediaSection(): string[] {
    const sdp = StreamingUtils.createSdp([this.muxer.getFormatContext()]);
    if (!sdp) throw new Error('av_sdp_create failed');
    const lines = sdp.split(/\r?\n/).filter((l) => l.length > 0);
    const m = lines.findIndex((l) => l.startsWith('m='));
    return m < 0 ? [] : lines.slice(m);
  }

  private onWrite(buf: Buffer): number {
    const length = buf.length;
    // RTCP (SR 200 ... APP 204) from libavformat: dropped, see the file comment.
    if (length < 12 || (buf[1]! >= 200 && buf[1]! <= 204)) return length;
    const packet = buf;
    if (this.base === undefined && this.pendingPts !== undefined) {
      this.base = rtpBaseOf(packet.readUInt32BE(4), this.pendingPts, this.timeBase);
    }
    this.nextSeq = (packet.readUInt16BE(2) + 1) & 0xffff;
    this.packetCount++;
    this.octetCount += length - 12;
    this.options.onRtp(packet);
    return length;
  }

  close(): void {
    try {
      this.muxer.closeSync();
    } catch {
      // closing a muxer that never wrote its header fails harmlessly
    }
  }
}
