/**
 * One RTSP viewer of a live camera: reads the camera's hub (joining at a keyframe) and sends each
 * unit as RTP as soon as it arrives, with no pacing of its own. The packets are the camera's, made once
 * for all its viewers (src/streams/live-rtp-packets.ts).
 *  - The RTP timestamp of a frame is the camera's own (MediaUnit.rtpTimestamp); sequence numbers and
 *    the SSRC are the restream's, not the camera's, so they stay continuous when the camera reconnects
 *    (its timestamps then jump to the new connection's, at a keyframe: the hub makes every consumer
 *    rejoin at one). The viewer's sequence numbers are consecutive whatever order units were made in.
 *  - RTCP sender reports pair the RTP timestamp of the unit just sent with the camera's wallclock of
 *    that unit (its sender reports, MediaUnit.ntpMs), or the time kadr received it when the camera sent
 *    none (RFC 3550 §6.4.1: both fields name the same instant).
 *  - Each unit goes to the sink in one call with its keyframe flag: a TCP viewer that falls behind
 *    skips whole units to the next keyframe (src/rtsp/rtsp-session.ts InterleavedSink).
 *  - When the camera is gone for good (removed, replaced), the viewer gets RR + BYE and ends cleanly.
 */
import type { Logger } from '../core/logger.js';
import type { MediaUnit } from '../core/media-unit.js';
import {
  FRAME_PREFIX,
  serializeReceiverReportBye,
  serializeSenderReport,
  unixUsToNtp,
} from '../rtp/index.js';
import { type RtpSink, RtspStatusError } from '../rtsp/index.js';
import { type LiveRtpPackets, rtpTimestampOf } from './live-rtp-packets.js';
import type { PlayStart, SourceConsumer } from './source.js';
import type { HubSubscription } from './stream-hub.js';

const SENDER_REPORT_INTERVAL_MS = 5000;

export interface LiveRestreamOptions {
  /** The camera's packets, shared by its viewers. */
  packets: LiveRtpPackets;
  sink: RtpSink;
  /** A new subscription to the camera's hub (counted as one consumer until closed). */
  subscribe(): HubSubscription;
  /** How long PLAY waits for the camera's first unit. */
  firstUnitTimeoutMs: number;
  logger: Logger;
}

export class LiveRestream implements SourceConsumer {
  private sub: HubSubscription | null;
  /** This viewer's next sequence number; set from the first unit's packets. */
  private nextSeq: number | undefined;
  private first: MediaUnit | null = null;
  private pumping = false;
  private closed = false;
  private packetCount = 0;
  private octetCount = 0;
  private lastReportMs = -Infinity;
  /** The RTP time and wallclock our last sender report paired. */
  private lastReport: { rtp: number; wallMs: number } | null = null;

  constructor(private readonly o: LiveRestreamOptions) {
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
    this.nextSeq ??= this.o.packets.of(this.first).firstSeq;
    return { startSec: 0, seq: this.nextSeq, rtptime: rtpTimestampOf(this.first) };
  }

  get ssrc(): number {
    return this.o.packets.ssrc;
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
    const out = this.o.packets.of(unit);
    const seq = this.nextSeq ?? out.firstSeq;
    const seqOffset = (seq - out.firstSeq) & 0xffff;
    this.nextSeq = (seq + out.count) & 0xffff;
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
    if (sink.sendFramedRtp) {
      sink.sendFramedRtp(out.data, out.count, seqOffset, unit.key);
    } else {
      // A UDP viewer: one datagram per packet, without the TCP framing (the sink copies each).
      sink.cork?.();
      const data = out.data;
      for (let at = 0; at < data.length;) {
        const length = data.readUInt16BE(at + 2);
        let packet = data.subarray(at + FRAME_PREFIX, at + FRAME_PREFIX + length);
        if (seqOffset !== 0) {
          packet = Buffer.from(packet);
          packet.writeUInt16BE((packet.readUInt16BE(2) + seqOffset) & 0xffff, 2);
        }
        sink.sendRtp(packet);
        at += FRAME_PREFIX + length;
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
