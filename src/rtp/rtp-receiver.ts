/**
 * One received video track: RTP packets -> sequence order -> depacketizer -> access units with their
 * presentation time (the RTP timestamp unwrapped to 64 bits, counted from the first packet, in the
 * track's clock) and the source's wallclock from RTCP sender reports; RTCP BYE ends the stream.
 * Receiver reports go back every few seconds (RFC 3550 §6.2 allows 5 s as the minimum interval).
 * After a loss, units are kept as a decoder would use them and marked (loss-report.ts), and the sender
 * is asked for a keyframe (rtcp-feedback.ts) until an intact one comes.
 */
import type { MediaUnit } from '../core/media-unit.js';
import type { Rational } from '../core/rational.js';
import { type AccessUnit, type Depacketizer } from './access-unit.js';
import { H264Depacketizer } from './h264-depacketizer.js';
import { HevcDepacketizer } from './hevc-depacketizer.js';
import { splitCompoundRtcp } from './rtcp-packets.js';
import { ReceptionStats } from './rtcp-receiver-report.js';
import { RTCP_BYE, RTCP_SR, parseSenderReport } from './rtcp-sender-report.js';
import { SenderReportClock } from './rtcp-wallclock.js';
import { parseRtpPacket } from './rtp-packet.js';
import { DamageTracker } from './loss-report.js';
import { KeyframeRequester, offersFir } from './rtcp-feedback.js';
import { RtpReorderBuffer } from './rtp-reorder.js';
import { RtpTimestampUnwrapper } from './rtp-timestamp.js';
import type { SdpVideoTrack } from './sdp-video.js';

export type RtpVideoCodec = 'h264' | 'hevc';

export interface RtpReceiverOptions {
  /** How long a packet waits for those before it to put UDP back in order (0 over TCP). */
  reorderDelayMs: number;
  sendRtcp(packet: Buffer): void;
  /**
   * One access unit, timed from the stream's first packet (64-bit, never wraps); dts = pts (RTP
   * carries none). Its data is valid only during the call: the depacketizer reuses the buffer.
   */
  onUnit(unit: MediaUnit): void;
  /** RTCP BYE from the sender: the stream has ended. */
  onBye(): void;
  reportIntervalMs?: number;
}

/** The codec of an SDP video track that this receiver handles, or null (another path must). */
export function rtpVideoCodec(track: SdpVideoTrack): RtpVideoCodec | null {
  if (track.encoding === 'H264') {
    const mode = track.fmtp.get('packetization-mode') ?? '0';
    return mode === '0' || mode === '1' ? 'h264' : null;
  }
  if (track.encoding === 'H265') {
    const don = track.fmtp.get('sprop-max-don-diff') ?? '0';
    return don === '0' ? 'hevc' : null;
  }
  return null;
}

export class RtpReceiver {
  readonly codec: RtpVideoCodec;
  readonly depacketizer: Depacketizer;
  private readonly timeBase: Rational;
  private readonly reorder: RtpReorderBuffer;
  private readonly unwrap = new RtpTimestampUnwrapper();
  private readonly clock: SenderReportClock;
  private readonly stats: ReceptionStats;
  private readonly ourSsrc = (Math.random() * 2 ** 32) >>> 0;
  private senderSsrc: number | null = null;
  private arrivalMs = 0;
  private readonly timer: NodeJS.Timeout;
  private byeSeen = false;
  private readonly damage = new DamageTracker();
  private readonly keyframes: KeyframeRequester;
  private lostReported = 0;

  constructor(
    private readonly track: SdpVideoTrack,
    private readonly options: RtpReceiverOptions,
  ) {
    const codec = rtpVideoCodec(track);
    if (!codec) throw new Error(`RTP receive of ${track.encoding} is not supported`);
    this.codec = codec;
    const onUnit = (au: AccessUnit) => this.onUnit(au);
    this.depacketizer =
      codec === 'h264'
        ? new H264Depacketizer(onUnit, track.parameterSets)
        : new HevcDepacketizer(onUnit, track.parameterSets);
    this.reorder = new RtpReorderBuffer({ maxDelayMs: options.reorderDelayMs }, (p, lost) => {
      if (lost) this.keyframes.lost(this.senderSsrc);
      this.depacketizer.push(p.payload, p.timestamp, p.marker, lost);
    });
    this.timeBase = { num: 1, den: track.clockRate };
    this.clock = new SenderReportClock(track.clockRate);
    this.stats = new ReceptionStats(track.clockRate);
    this.keyframes = new KeyframeRequester({
      ourSsrc: this.ourSsrc,
      fir: offersFir(track.rtcpFb),
      receiverReport: () => this.receiverReport(),
      send: (p) => options.sendRtcp(p),
    });
    this.timer = setInterval(() => this.report(), options.reportIntervalMs ?? 5000);
    this.timer.unref();
  }

  get lostPackets(): number {
    return this.reorder.lostPackets;
  }

  /** RTCP PLI (and FIR) sent to ask for a keyframe after a loss. */
  get keyframeRequests(): number {
    return this.keyframes.sent;
  }

  /**
   * The sender's wallclock (ms since 1970) of an RTP timestamp from its latest sender report, or null
   * before the first: for units taken before it came (they carry ntpMs null).
   */
  wallclockMs(rtpTimestamp: number): number | null {
    return this.clock.wallclockMs(rtpTimestamp);
  }

  rtp(buf: Buffer): void {
    const packet = parseRtpPacket(buf);
    if (!packet || packet.payloadType !== this.track.payloadType) return;
    if (this.senderSsrc === null) this.senderSsrc = packet.ssrc;
    else if (packet.ssrc !== this.senderSsrc) return; // another source on our port: not ours
    this.arrivalMs = performance.timeOrigin + performance.now();
    this.stats.packet(packet.seq, packet.timestamp, this.arrivalMs);
    this.reorder.push(packet);
  }

  rtcp(buf: Buffer): void {
    const parts = splitCompoundRtcp(buf);
    if (!parts) return;
    for (const p of parts) {
      if (p.packetType === RTCP_SR) {
        const sr = parseSenderReport(buf.subarray(p.offset, p.offset + p.byteLength));
        if (sr && (this.senderSsrc === null || sr.ssrc === this.senderSsrc))
          this.clock.observe(sr, Date.now());
      } else if (p.packetType === RTCP_BYE && p.count > 0 && p.byteLength >= 8) {
        const ssrc = buf.readUInt32BE(p.offset + 4);
        if (this.senderSsrc === null || ssrc === this.senderSsrc) this.bye();
      }
    }
  }

  /** Hands over what is still held (end of stream). */
  flush(): void {
    this.reorder.flush();
    this.depacketizer.flush();
  }

  close(): void {
    clearInterval(this.timer);
  }

  private bye(): void {
    if (this.byeSeen) return;
    this.byeSeen = true;
    this.flush();
    this.options.onBye();
  }

  private onUnit(au: AccessUnit): void {
    const { incomplete, damaged } = this.damage.unit(au);
    if (au.key && !incomplete) this.keyframes.keyframe();
    else this.keyframes.poll(this.senderSsrc);
    const lost = this.reorder.lostPackets;
    const pts = this.unwrap.unwrap(au.timestamp);
    this.options.onUnit({
      timeBase: this.timeBase,
      pts,
      dts: pts,
      key: au.key,
      ntpMs: this.clock.wallclockMs(au.timestamp),
      receivedAtMs: this.arrivalMs,
      rtpTimestamp: au.timestamp,
      data: au.data,
      loss: { lostPackets: lost - this.lostReported, incomplete, damaged },
    });
    this.lostReported = lost;
  }

  private receiverReport(): Buffer | null {
    if (this.senderSsrc === null) return null;
    const sinceSr = this.clock.lastSrNtp === null ? 0 : Date.now() - this.clock.lastSrAtMs;
    return this.stats.receiverReport(this.ourSsrc, this.senderSsrc, this.clock.lastSrNtp, sinceSr);
  }

  private report(): void {
    const rr = this.receiverReport();
    if (rr) this.options.sendRtcp(rr);
  }
}
