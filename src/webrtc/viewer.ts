/**
 * One WebRTC viewer of one live view: a libdatachannel peer connection with one send-only video
 * track, fed from a LiveViewLease. Each unit is the camera's access unit, packetized by
 * libdatachannel (RFC 6184 for H.264, RFC 7798 for H.265) with the camera's own RTP timestamp:
 * nothing is decoded or encoded again. libdatachannel also sends the RTCP sender reports and answers
 * NACKs from the packets it keeps.
 *  - The viewer starts at a keyframe: the lease is taken again when the track opens (the hub hands a
 *    new subscription the current group of pictures), so the first picture sent is the newest keyframe
 *    and not one queued while ICE and DTLS took their time.
 *  - A picture-loss request (PLI/FIR) from the browser restarts the viewer the same way, at most once a
 *    second, or asks the source for a keyframe where the lease can.
 *  - A gap mark (the camera reconnected) keeps the session: what follows starts at the new
 *    connection's first keyframe, with that connection's parameter sets.
 *  - The session ends when the viewer goes away: DTLS close or ICE failure, or no RTCP from it for
 *    `livenessMs` (a browser sends receiver reports every second; a tab that vanished sends none).
 */
import { randomInt } from 'node:crypto';
import {
  H264RtpPacketizer,
  H265RtpPacketizer,
  PeerConnection,
  RtcpNackResponder,
  RtcpSrReporter,
  RtpPacketizationConfig,
  Video,
  type RtcConfig,
  type Track,
} from 'node-datachannel';
import type { Logger } from '../core/logger.js';
import type { MediaUnit } from '../core/media-unit.js';
import type { LiveViewLease } from '../streams/index.js';
import { withParameterSets } from './access-unit.js';
import { asksForKeyframe, isRtcp } from './rtcp-feedback-in.js';
import { answerOffer } from './peer-answer.js';
import type { OfferedFormat } from './sdp-offer.js';

/** The lease, with an optional way to ask the source for a keyframe (a transcoder can, a camera not). */
export type ViewerLease = LiveViewLease & { requestKeyframe?(): void };

export interface ViewerOptions {
  id: string;
  offer: string;
  mid: string;
  format: OfferedFormat;
  codec: 'h264' | 'hevc';
  /** Takes the lease again (at the hub's current keyframe). */
  acquire(): ViewerLease;
  rtc: RtcConfig;
  /** Addresses to announce in the answer's candidates instead of the gathered ones (NAT); empty: gathered. */
  hosts: readonly string[];
  port: number;
  /** How long ICE gathering may take before the answer goes out with what it has. */
  gatherMs: number;
  /** A connection that does not open within this, or a viewer silent for this long, is closed. */
  livenessMs: number;
  logger: Logger;
  onClose(id: string): void;
}

/** RTP payloads stay below this, well under a 1500-byte path MTU with SRTP and the headers. */
const MAX_FRAGMENT = 1200;
/** Picture-loss requests answered at most this often. */
const KEYFRAME_INTERVAL_MS = 1000;

export class WebRtcViewer {
  readonly id: string;
  private readonly pc: PeerConnection;
  private readonly track: Track;
  private readonly rtpConfig: RtpPacketizationConfig;
  private lease: ViewerLease;
  private closed = false;
  private started = false;
  private lastHeardMs = Date.now();
  private lastRestartMs = 0;
  private readonly timer: NodeJS.Timeout;
  /** Units sent so far. */
  sent = 0;

  constructor(
    private readonly o: ViewerOptions,
    lease: ViewerLease,
  ) {
    this.id = o.id;
    this.lease = lease;
    this.pc = new PeerConnection(o.id, o.rtc);
    const ssrc = randomInt(1, 2 ** 31);
    const video = new Video(o.mid, 'SendOnly');
    if (o.codec === 'hevc') video.addH265Codec(o.format.payloadType);
    else video.addH264Codec(o.format.payloadType, o.format.fmtp);
    video.addSSRC(ssrc, 'kadr', 'kadr', 'video');
    this.track = this.pc.addTrack(video);
    this.rtpConfig = new RtpPacketizationConfig(ssrc, 'kadr', o.format.payloadType, 90000);
    const packetizer =
      o.codec === 'hevc'
        ? new H265RtpPacketizer('StartSequence', this.rtpConfig, MAX_FRAGMENT)
        : new H264RtpPacketizer('StartSequence', this.rtpConfig, MAX_FRAGMENT);
    packetizer.addToChain(new RtcpSrReporter(this.rtpConfig));
    packetizer.addToChain(new RtcpNackResponder());
    this.track.setMediaHandler(packetizer);
    this.track.onOpen(() => this.start());
    this.track.onMessage((msg) => this.heard(msg));
    this.track.onClosed(() => this.close('track closed'));
    this.pc.onStateChange((state) => {
      if (state === 'failed' || state === 'closed' || state === 'disconnected') this.close(`peer ${state}`);
    });
    this.timer = setInterval(
      () => {
        if (Date.now() - this.lastHeardMs > o.livenessMs) {
          this.close(this.started ? 'viewer silent' : 'connection never opened');
        }
      },
      Math.min(1000, o.livenessMs),
    );
    this.timer.unref();
  }

  /** Applies the offer and returns the answer once ICE gathering completes (or `gatherMs` passed). */
  answer(): Promise<string> {
    return answerOffer(this.pc, this.o);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(reason = 'closed'): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.lease.close();
    let bytesSent = 0;
    try {
      bytesSent = this.pc.bytesSent();
    } catch {
      // closed already
    }
    this.o.logger.debug('viewer closed', { session: this.id, reason, sent: this.sent, bytesSent });
    try {
      this.track.close();
    } catch {
      // already closed by the peer
    }
    try {
      this.pc.close();
    } catch {
      // idem
    }
    this.o.onClose(this.id);
  }

  private heard(msg: Buffer): void {
    this.lastHeardMs = Date.now();
    if (!isRtcp(msg) || !asksForKeyframe(msg)) return;
    const now = Date.now();
    if (now - this.lastRestartMs < KEYFRAME_INTERVAL_MS) return;
    this.lastRestartMs = now;
    if (this.lease.requestKeyframe) this.lease.requestKeyframe();
    else this.restart();
  }

  private start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.lastHeardMs = Date.now();
    this.restart();
  }

  /** Takes the lease again, so that sending resumes at the hub's newest keyframe. */
  private restart(): void {
    if (this.closed) return;
    const old = this.lease;
    try {
      this.lease = this.o.acquire();
    } catch (error) {
      this.close(`stream gone: ${(error as Error).message}`);
      return;
    }
    old.close();
    void this.pump(this.lease);
  }

  private async pump(lease: ViewerLease): Promise<void> {
    let waitKey = true;
    for (;;) {
      const item = await lease.subscription.next();
      if (this.closed || lease !== this.lease) return;
      if (!item) {
        this.close('stream ended');
        return;
      }
      if (item.kind === 'gap') {
        waitKey = true;
        continue;
      }
      const unit = item.unit;
      if (waitKey && !unit.key) continue;
      waitKey = false;
      this.send(lease, unit);
    }
  }

  private send(lease: ViewerLease, unit: MediaUnit): void {
    const data = unit.key
      ? withParameterSets(unit.data, this.o.codec, lease.stream()?.info.parameterSets)
      : unit.data;
    this.rtpConfig.timestamp = rtpTimestampOf(unit);
    try {
      this.track.sendMessageBinary(data);
      this.sent++;
    } catch (error) {
      this.close(`send failed: ${(error as Error).message}`);
    }
  }
}

/**
 * The unit's RTP timestamp: the one the camera sent it with where it came over RTP, else its pts on
 * the 90 kHz clock of RTP video (RFC 6184 §5.1), wrapped to 32 bits.
 */
export function rtpTimestampOf(unit: MediaUnit): number {
  if (unit.rtpTimestamp !== undefined) return unit.rtpTimestamp >>> 0;
  const { num, den } = unit.timeBase;
  const ticks = num === 1 && den === 90000 ? unit.pts : (unit.pts * 90000n * BigInt(num)) / BigInt(den);
  return Number(BigInt.asUintN(32, ticks));
}
