/**
 * One RTSP viewer of a live camera: reads the camera's hub (joining at a keyframe) and sends each
 * unit as RTP (src/rtp/rtp-video-packetizer.ts) as soon as it arrives, with no pacing of its own.
 *  - The RTP timestamp of a frame is the camera's own (MediaUnit.rtpTimestamp); sequence numbers and
 *    the SSRC are the viewer's own, so they stay continuous when the camera reconnects (its timestamps
 *    then jump to the new connection's, at a keyframe: the hub makes every consumer rejoin at one).
 *  - RTCP sender reports pair the RTP timestamp of the unit just sent with the camera's wallclock of
 *    that unit (its sender reports, MediaUnit.ntpMs), or the time kadr received it when the camera sent
 *    none (RFC 3550 §6.4.1: both fields name the same instant).
 *  - Each unit goes to the sink in one call with its keyframe flag: a TCP viewer that falls behind
 *    skips whole units to the next keyframe (src/rtsp/rtsp-session.ts InterleavedSink).
 *  - When the camera is gone for good (removed, replaced), the viewer gets RR + BYE and ends cleanly.
 */
import type { Logger } from '../core/logger.js';
import type { MediaUnit } from '../core/media-unit.js';
import { rescale, RTP_VIDEO_TIME_BASE } from '../core/rational.js';
import {
  type PacketizedCodec,
  RtpVideoPacketizer,
  serializeReceiverReportBye,
  serializeSenderReport,
  unixUsToNtp,
} from '../rtp/index.js';
import { type RtpSink, RtspStatusError } from '../rtsp/index.js';
import type { PlayStart, SourceConsumer } from './source.js';
import type { HubSubscription } from './stream-hub.js';

const SENDER_REPORT_INTERVAL_MS = 5000;

export interface LiveRestreamOptions {
  codec: PacketizedCodec;
  sink: RtpSink;
  /** A new subscription to the camera's hub (counted as one consumer until closed). */
  subscribe(): HubSubscription;
  /** How long PLAY waits for the camera's first unit. */
  firstUnitTimeoutMs: number;
  logger: Logger;
}

export class LiveRestream implements SourceConsumer {
  readonly ssrc = (Math.random() * 2 ** 32) >>> 0;
  private readonly packetizer: RtpVideoPacketizer;
  private sub: HubSubscription | null;
  private first: MediaUnit | null = null;
  private pumping = false;
  private closed = false;
  private packetCount = 0;
  private octetCount = 0;
  private lastReportMs = -Infinity;
  /** The RTP time and wallclock our last sender report paired. */
  private lastReport: { rtp: number; wallMs: number } | null = null;

  constructor(private readonly o: LiveRestreamOptions) {
    this.packetizer = new RtpVideoPacketizer({
      codec: o.codec,
      ssrc: this.ssrc,
      seq: (Math.random() * 0x10000) >>> 0,
    });
    // Subscribed at SETUP: the hub keeps the current group of pictures for us from here on.
    this.sub = o.subscribe();
  }

  async play(): Promise<PlayStart> {
    if (!this.sub) this.sub = this.o.subscribe();
    const sub = this.sub;
    if (!this.first) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), this.o.firstUnitTimeoutMs);
      });
      const unit = await Promise.race([sub.read(), timeout]);
      clearTimeout(timer);
      if (!unit) throw new RtspStatusError(503, 'the camera sends nothing');
      if (this.closed || sub !== this.sub) throw new RtspStatusError(454, 'session closed');
      this.first = unit;
    }
    return { startSec: 0, seq: this.packetizer.nextSeq, rtptime: rtpTimestampOf(this.first) };
  }

  begin(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    void this.pump().catch((e: unknown) => this.o.logger.error('restream failed', { error: String(e) }));
  }

  private async pump(): Promise<void> {
    const sub = this.sub;
    if (!sub) return;
    for (;;) {
      const unit = this.first ?? (await sub.read());
      this.first = null;
      if (this.closed || !this.pumping || sub !== this.sub) return;
      if (!unit) break;
      if (this.o.sink.closed) return;
      this.send(unit);
    }
    // The camera's hub ended: the camera was removed or replaced. A clean end for the viewer.
    if (!this.o.sink.closed) {
      this.o.sink.sendRtcp(serializeReceiverReportBye(this.ssrc));
    }
    this.pumping = false;
  }

  private send(unit: MediaUnit): void {
    const timestamp = rtpTimestampOf(unit);
    const sink = this.o.sink;
    const out = this.packetizer.packetize(unit.data, timestamp);
    const now = performance.now();
    const wallMs = unit.ntpMs ?? unit.receivedAtMs;
    if (now - this.lastReportMs >= SENDER_REPORT_INTERVAL_MS || this.mappingMoved(timestamp, unit.ntpMs)) {
      this.lastReportMs = now;
      this.lastReport = { rtp: timestamp, wallMs };
      sink.sendRtcp(
        serializeSenderReport({
          ssrc: this.ssrc,
          ntpTimestamp: unixUsToNtp(BigInt(Math.round(wallMs * 1000))),
          rtpTimestamp: timestamp,
          packetCount: this.packetCount,
          octetCount: this.octetCount,
        }),
      );
    }
    if (sink.sendRtpPackets) {
      sink.sendRtpPackets(out.data, out.lengths.subarray(0, out.count), unit.key);
    } else {
      sink.cork?.();
      let at = 0;
      for (let i = 0; i < out.count; i++) {
        const len = out.lengths[i]!;
        sink.sendRtp(out.data.subarray(at, at + len));
        at += len;
      }
      sink.uncork?.();
    }
    this.packetCount += out.count;
    this.octetCount += out.payloadBytes;
  }

  /**
   * The camera's wallclock of this frame is not where our last report puts it: the camera's first
   * sender report arrived (ours were from receive times until then), or its clock was re-anchored. A
   * report goes at once, so viewers do not place frames on the wrong wallclock until the next one.
   * Each camera report moves the mapping a little (its clocks jitter by a fraction of a millisecond):
   * anything above rounding noise is passed on, so a viewer's wallclock is the camera's to 10 µs.
   */
  private mappingMoved(timestamp: number, ntpMs: number | null): boolean {
    if (ntpMs === null) return false;
    const last = this.lastReport;
    if (!last) return true;
    const predicted = last.wallMs + ((timestamp - last.rtp) | 0) / 90;
    return Math.abs(predicted - ntpMs) > 0.01;
  }

  /** A paused viewer stops reading the hub; PLAY again joins at the next keyframe. */
  async pause(): Promise<void> {
    this.pumping = false;
    this.first = null;
    const sub = this.sub;
    this.sub = null;
    sub?.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pause();
  }
}

/** The camera's RTP timestamp; for a unit that did not come over RTP, its PTS at 90 kHz. */
function rtpTimestampOf(unit: MediaUnit): number {
  if (unit.rtpTimestamp !== undefined) return unit.rtpTimestamp;
  return Number(rescale(unit.pts, unit.timeBase, RTP_VIDEO_TIME_BASE) & 0xffff_ffffn);
}
