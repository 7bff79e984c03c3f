/**
 * Plays one file track to one client at the file's own pace: each packet leaves when its DTS is due on
 * a monotonic clock (performance.now, never Date.now, which jumps when the system clock is set).
 * Sends RTCP sender reports mapping the RTP clock to NTP wallclock, and at the end of the file an
 * RR + BYE so that clients end cleanly instead of timing out.
 *
 * node-av calls must not overlap (a close during a read would free what the read uses), so every
 * track operation goes through one promise chain.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../core/logger.js';
import type { RtpSink } from '../rtsp/index.js';
import {
  serializeReceiverReportBye,
  serializeSenderReport,
  unixUsToNtp,
  rtpTimestampAfterMs,
} from '../rtp/index.js';
import type { OpenPacedTrack, PacedRtpTrack } from './paced-track.js';
import type { PlayStart, SourceConsumer } from './source.js';

const SENDER_REPORT_INTERVAL_MS = 5000;
const BYE_DELAY_MS = 300;
const PRIME_MAX_PACKETS = 64;
/** Packets may leave this much before they are due (a receiver's jitter buffer absorbs far more). */
const PACING_GRID_MS = 8;

type State = 'ready' | 'primed' | 'playing' | 'paused' | 'ended' | 'closed';

export interface FilePlaybackOptions {
  /** The client's track: its own reader, or a cursor on the mount's shared packets. */
  openTrack: OpenPacedTrack;
  sink: RtpSink;
  logger: Logger;
}

export class FilePlayback implements SourceConsumer {
  private state: State = 'ready';
  private ops: Promise<unknown> = Promise.resolve();
  /** RTP packets made while priming, sent by begin() after the PLAY response. */
  private held: Buffer[] | undefined;
  private anchorTicks = 0n;
  private anchorWallMs = 0;
  private generation = 0;
  private lastSenderReportMs = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private wake: ((proceed: boolean) => void) | undefined;
  private started = false;

  private constructor(
    private readonly track: PacedRtpTrack,
    private readonly options: FilePlaybackOptions,
  ) {}

  static async open(options: FilePlaybackOptions): Promise<FilePlayback> {
    const box: { self?: FilePlayback } = {};
    const track = await options.openTrack({
      packet: (packet) => box.self?.emit(packet),
      packets: (data, lengths, keyframe) => box.self?.emitMany(data, lengths, keyframe),
    });
    box.self = new FilePlayback(track, options);
    return box.self;
  }

  get ssrc(): number {
    return this.track.ssrc;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.ops.then(fn);
    this.ops = run.catch(() => {});
    return run;
  }

  /** `packet` is only valid during this call (the packetizer reuses it). */
  private emit(packet: Buffer): void {
    if (this.held) this.held.push(Buffer.from(packet));
    else if (this.state === 'playing') this.options.sink.sendRtp(packet);
  }

  private emitMany(data: Buffer, lengths: Uint16Array, keyframe: boolean): void {
    if (this.state === 'playing' && !this.held && this.options.sink.sendRtpPackets) {
      this.options.sink.sendRtpPackets(data, lengths, keyframe);
      return;
    }
    let at = 0;
    for (const length of lengths) {
      this.emit(data.subarray(at, at + length));
      at += length;
    }
  }

  play(rangeStartSec: number | undefined): Promise<PlayStart> {
    this.generation++;
    this.stopTimer();
    return this.exclusive(async () => {
      if (this.state === 'closed') throw new Error('playback closed');
      if (this.state === 'primed' || this.state === 'playing') {
        // PLAY while playing (some clients send it as a keep-alive): restart pacing from here.
        this.state = 'paused';
      }
      const tb = this.track.timeBase;
      const zero = await this.track.nptZeroPts();
      const seeking = rangeStartSec !== undefined && (this.started || rangeStartSec > 0);
      if (seeking) await this.track.seek(rangeStartSec);
      const seq = this.track.nextSeq;
      const anchor = await this.track.peekSendTicks();
      this.held = [];
      // Send (into `held`) until the first RTP packet exists: RTP-Info needs its timestamp base. One
      // packet for passthrough; a transcoder may hold a few frames first (decoder frame threads).
      let primed = false;
      for (let i = 0; i < PRIME_MAX_PACKETS && anchor !== null; i++) {
        if (!(await this.track.sendNext())) break;
        if (this.track.rtpTimestampFor(anchor) !== undefined) {
          primed = true;
          break;
        }
      }
      if (anchor === null || !primed) {
        this.held = undefined;
        this.state = 'ended';
        return { startSec: 0, seq, rtptime: 0 };
      }
      this.anchorTicks = anchor;
      // Normal play time of the start: the first frame's (or the seek keyframe's) PTS, or where the
      // pause left off.
      const startTicks = !this.started || seeking ? (this.track.startPts ?? anchor) : anchor;
      this.started = true;
      this.state = 'primed';
      const startSec = Math.max(0, (Number(startTicks - zero) * tb.num) / tb.den);
      return { startSec, seq, rtptime: this.track.rtpTimestampFor(startTicks) ?? 0 };
    });
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.wake?.(false);
    this.wake = undefined;
  }

  begin(): void {
    if (this.state !== 'primed') return;
    this.state = 'playing';
    this.anchorWallMs = performance.now();
    this.sendSenderReport();
    const held = this.held ?? [];
    this.held = undefined;
    this.options.sink.cork?.();
    for (const p of held) this.options.sink.sendRtp(p);
    this.options.sink.uncork?.();
    void this.run(this.generation);
  }

  private async run(generation: number): Promise<void> {
    const tb = this.track.timeBase;
    try {
      while (generation === this.generation && this.state === 'playing' && !this.options.sink.closed) {
        const ticks = await this.exclusive(() => this.track.peekSendTicks());
        if (generation !== this.generation || this.state !== 'playing') return;
        if (ticks === null) {
          // Drain what a transcoder still holds (its last frames), then end.
          await this.exclusive(() => this.track.sendNext());
          return await this.end(generation);
        }
        const dueMs = this.anchorWallMs + (Number(ticks - this.anchorTicks) * 1000 * tb.num) / tb.den;
        // Wake on a shared grid, up to PACING_GRID_MS early, never late: the timers of every client
        // then expire together, one event-loop wake-up for all of them instead of one per client and
        // frame (the context switches were a visible share of the server's CPU with 10 clients).
        const waitMs = Math.floor(dueMs / PACING_GRID_MS) * PACING_GRID_MS - performance.now();
        if (waitMs > 1) {
          // a plain timer: an AbortController per frame was measurable garbage at 30 fps per client
          const woken = await new Promise<boolean>((resolve) => {
            this.wake = resolve;
            this.timer = setTimeout(() => resolve(true), waitMs);
          });
          this.wake = undefined;
          if (!woken) return; // paused or closed
        }
        if (generation !== this.generation || this.state !== 'playing') return;
        await this.exclusive(async () => {
          this.options.sink.cork?.();
          try {
            await this.track.sendNext();
          } finally {
            this.options.sink.uncork?.();
          }
        });
        if (performance.now() - this.lastSenderReportMs >= SENDER_REPORT_INTERVAL_MS) this.sendSenderReport();
      }
    } catch (e) {
      this.options.logger.error('playback failed', { error: String(e) });
      await this.end(generation);
    }
  }

  /**
   * RTCP SR: NTP wallclock now, and the RTP time the pacing clock is at now (RFC 3550 §6.4.1), so a
   * receiver can put every frame on the wallclock.
   */
  private sendSenderReport(): void {
    const anchorRtp = this.track.rtpTimestampFor(this.anchorTicks);
    if (anchorRtp === undefined || this.options.sink.closed) return;
    const nowMs = performance.now();
    const unixUs = BigInt(Math.round((performance.timeOrigin + nowMs) * 1000));
    this.options.sink.sendRtcp(
      serializeSenderReport({
        ssrc: this.track.ssrc,
        ntpTimestamp: unixUsToNtp(unixUs),
        rtpTimestamp: rtpTimestampAfterMs(anchorRtp, nowMs - this.anchorWallMs),
        packetCount: this.track.packetCount,
        octetCount: this.track.octetCount,
      }),
    );
    this.lastSenderReportMs = nowMs;
  }

  /**
   * End of file: RR + BYE. Over UDP, RTP and RTCP arrive on two sockets and FFmpeg ends at the BYE
   * even when the last RTP packet is still unread on the other one (seen: the last B-frame lost), so
   * the BYE waits a little.
   */
  private async end(generation: number): Promise<void> {
    if (this.state === 'ended' || this.state === 'closed') return;
    this.state = 'ended';
    await sleep(BYE_DELAY_MS);
    if (generation !== this.generation || this.options.sink.closed) return;
    this.sendSenderReport();
    this.options.sink.sendRtcp(serializeReceiverReportBye(this.track.ssrc));
    this.options.logger.debug('end of file, sent BYE', { ssrc: this.track.ssrc });
  }

  async pause(): Promise<void> {
    this.generation++;
    this.stopTimer();
    if (this.state === 'playing' || this.state === 'primed') this.state = 'paused';
    await this.exclusive(async () => {});
  }

  async close(): Promise<void> {
    this.generation++;
    this.stopTimer();
    this.state = 'closed';
    this.held = undefined;
    await this.exclusive(() => this.track.close());
  }
}
