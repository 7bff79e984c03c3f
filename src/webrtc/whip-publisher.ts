/**
 * One WHIP sender (RFC 9725: a browser or another WebRTC client publishing its camera): a
 * libdatachannel peer connection with one receive-only H.264 video track. libdatachannel decrypts
 * SRTP and hands kadr the raw RTP and RTCP packets (no media handler on the track); kadr's own RTP
 * receiver (src/rtp) puts them in order, depacketizes H.264 (RFC 6184: nothing is decoded or encoded
 * again), unwraps the RTP timestamps into 90 kHz ticks, maps them to the sender's wallclock with its
 * RTCP sender reports (RFC 3550 §6.4.1), sends receiver reports and asks for a keyframe (PLI, RFC 4585
 * §6.3.1) after a loss. A PLI also goes out with the first packet: a browser's encoder started before
 * the connection, and the picture it is on may be far from its last keyframe.
 *  - The session ends on DELETE (end()), on DTLS close or ICE failure, on RTCP BYE, or when nothing
 *    came for `livenessMs` (a tab that vanished sends nothing).
 */
import { PeerConnection, Video, type RtcConfig, type Track } from 'node-datachannel';
import type { Logger } from '../core/logger.js';
import type { MediaUnit } from '../core/media-unit.js';
import { parseRtpPacket, pictureLossIndication, RtpReceiver } from '../rtp/index.js';
import { withParameterSets } from './access-unit.js';
import { isRtcp } from './rtcp-feedback-in.js';
import { answerOffer } from './peer-answer.js';
import type { OfferedFormat } from './sdp-offer.js';

/** Where a publisher's units go (the app's WHIP session). */
export interface WhipSink {
  /**
   * One access unit (Annex B; a keyframe carries SPS and PPS) in 90 kHz ticks from the first one;
   * its data is valid only during the call. ntpMs is null until the first sender report, and
   * `publisher.wallclockMs(unit.rtpTimestamp)` gives it for such a unit once one came.
   */
  unit(unit: MediaUnit): void;
  /** The session ended (once); `reason` for the log. */
  closed(reason: string): void;
}

export interface WhipPublisherOptions {
  id: string;
  offer: string;
  mid: string;
  format: OfferedFormat;
  rtc: RtcConfig;
  hosts: readonly string[];
  port: number;
  gatherMs: number;
  livenessMs: number;
  logger: Logger;
  sink: WhipSink;
  onClose(id: string): void;
}

/** How long a packet waits for the ones before it (loopback and LAN reorder rarely, and by little). */
const REORDER_MS = 50;
/** Receiver reports every second, so that the sender learns of loss and round-trip time soon. */
const RTCP_INTERVAL_MS = 1000;

export class WhipPublisher {
  readonly id: string;
  private readonly pc: PeerConnection;
  private readonly track: Track;
  private readonly receiver: RtpReceiver;
  private closed = false;
  private lastHeardMs = Date.now();
  private senderSsrc: number | null = null;
  private readonly timer: NodeJS.Timeout;
  /** Units handed to the sink. */
  units = 0;
  packets = 0;

  constructor(private readonly o: WhipPublisherOptions) {
    this.id = o.id;
    this.pc = new PeerConnection(o.id, o.rtc);
    const video = new Video(o.mid, 'RecvOnly');
    video.addH264Codec(o.format.payloadType, o.format.fmtp);
    this.track = this.pc.addTrack(video);
    this.receiver = new RtpReceiver(
      {
        payloadType: o.format.payloadType,
        encoding: 'H264',
        clockRate: 90000,
        fmtp: new Map([['packetization-mode', '1']]),
        controlUrl: '',
        parameterSets: [],
        durationMs: null,
        rtcpFb: ['nack pli'],
      },
      {
        reorderDelayMs: REORDER_MS,
        sendRtcp: (packet) => this.sendRtcp(packet),
        onUnit: (unit) => this.onUnit(unit),
        onBye: () => this.close('sender said goodbye (RTCP BYE)'),
        reportIntervalMs: RTCP_INTERVAL_MS,
      },
    );
    this.track.onMessage((msg) => this.onPacket(msg));
    this.track.onClosed(() => this.close('track closed'));
    this.pc.onStateChange((state) => {
      if (state === 'failed' || state === 'closed' || state === 'disconnected') this.close(`peer ${state}`);
    });
    this.timer = setInterval(
      () => {
        if (Date.now() - this.lastHeardMs > o.livenessMs) {
          this.close(this.packets > 0 ? 'sender silent' : 'connection never opened');
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

  /** The sender's wallclock of an RTP timestamp, from its latest sender report; null before one. */
  wallclockMs(rtpTimestamp: number): number | null {
    return this.receiver.wallclockMs(rtpTimestamp);
  }

  /** Packets given up as lost, and PLIs sent after losses. */
  get lostPackets(): number {
    return this.receiver.lostPackets;
  }

  get keyframeRequests(): number {
    return this.receiver.keyframeRequests;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(reason = 'closed'): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    try {
      this.receiver.flush();
    } catch {
      // what was held is lost with the session
    }
    this.receiver.close();
    this.o.logger.debug('publisher closed', { session: this.id, reason, units: this.units });
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
    this.o.sink.closed(reason);
  }

  private onPacket(msg: Buffer): void {
    if (this.closed) return;
    this.lastHeardMs = Date.now();
    if (isRtcp(msg)) {
      this.receiver.rtcp(msg);
      return;
    }
    this.packets++;
    if (this.senderSsrc === null) {
      const packet = parseRtpPacket(msg);
      if (!packet) return;
      this.senderSsrc = packet.ssrc;
      this.sendRtcp(pictureLossIndication((Math.random() * 2 ** 32) >>> 0, packet.ssrc));
    }
    this.receiver.rtp(msg);
  }

  private onUnit(unit: MediaUnit): void {
    if (this.closed) return;
    this.units++;
    const data = unit.key
      ? withParameterSets(unit.data, 'h264', this.receiver.depacketizer.parameterSets())
      : unit.data;
    this.o.sink.unit(data === unit.data ? unit : { ...unit, data });
  }

  private sendRtcp(packet: Buffer): void {
    if (this.closed) return;
    try {
      this.track.sendMessageBinary(packet);
    } catch {
      // the track is closing: the session ends with it
    }
  }
}
