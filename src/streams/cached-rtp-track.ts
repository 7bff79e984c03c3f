/**
 * One client's track on a mount's shared RtpUnitCache: the same packets every client gets, with this
 * client's SSRC, sequence numbers and RTP timestamp base written into each header as it is sent. It
 * keeps RtpFileTrack's timing exactly: the RTP timestamp is base + PTS rescaled to 90 kHz, a loop adds
 * one pass per lap to every PTS and send time, and send times never decrease.
 *
 * The cache's buffers are shared: a header is rewritten just before the packet goes to onRtp, whose
 * sink copies it during the call (RtpSink.sendRtp), so no client ever sees another's fields.
 */
import { randomInt } from 'node:crypto';
import type { Rational } from '../core/rational.js';
import { writeRtpHeaderFields, nptToTicks, PlayoutClock, rtpTimestampAt } from '../rtp/index.js';
import type { PacedRtpTrack, RtpOutput } from './paced-track.js';
import type { RtpUnit, RtpUnitCache } from './rtp-unit-cache.js';

export interface CachedRtpTrackOptions {
  loop: boolean;
  ssrc: number;
  seq: number;
  out: RtpOutput;
  /** Called once by close(): the cache may be let go when no cursor is left. */
  onClose(): void;
}

interface Pending {
  unit: RtpUnit;
  sendTicks: bigint;
  offsetTicks: bigint;
}

export class CachedRtpTrack implements PacedRtpTrack {
  private index = 0;
  /** Send times and the loop offset, by RtpFileReader's rules (src/rtp/rtp-timing.ts). */
  private readonly clock = new PlayoutClock();
  /** The next unit with its send time, once peeked; null at the end. */
  private pending: Pending | null | undefined;
  /** RTP timestamp of PTS 0 (random, RFC 3550 §5.1), used once the first packet went out. */
  private readonly base = randomInt(0, 2 ** 32 - 1);
  private sentAny = false;
  private closed = false;
  nextSeq: number;
  packetCount = 0;
  octetCount = 0;
  startPts: bigint | undefined;

  constructor(
    private readonly cache: RtpUnitCache,
    private readonly options: CachedRtpTrackOptions,
  ) {
    this.nextSeq = options.seq & 0xffff;
  }

  get timeBase(): Rational {
    return this.cache.timeBase;
  }

  get ssrc(): number {
    return this.options.ssrc >>> 0;
  }

  rtpTimestampFor(ticks: bigint): number | undefined {
    if (!this.sentAny) return undefined;
    return rtpTimestampAt(this.base, ticks, this.timeBase);
  }

  async nptZeroPts(): Promise<bigint> {
    return (await this.cache.unit(0))?.pts ?? 0n;
  }

  async peekSendTicks(): Promise<bigint | null> {
    if (this.pending === undefined) this.pending = await this.advance();
    return this.pending?.sendTicks ?? null;
  }

  /** The unit at the cursor with its send time, moving to the next lap at the end of a loop. */
  private async advance(): Promise<Pending | null> {
    let unit = await this.cache.unit(this.index);
    if (!unit && this.options.loop && this.index > 0 && this.cache.passTicks !== undefined) {
      this.clock.lap(this.cache.passTicks);
      this.index = 0;
      unit = await this.cache.unit(0);
    }
    if (!unit) return null;
    const offsetTicks = this.clock.offsetTicks;
    const sendTicks = this.clock.sendTicks(
      unit.dts === null ? null : unit.dts + offsetTicks,
      unit.pts + offsetTicks,
    );
    return { unit, sendTicks, offsetTicks };
  }

  async sendNext(): Promise<boolean> {
    if (this.pending === undefined) this.pending = await this.advance();
    const next = this.pending;
    this.pending = undefined;
    if (!next || this.closed) return false;
    this.index++;
    const pts = next.unit.pts + next.offsetTicks;
    this.startPts ??= pts;
    this.sentAny = true;
    this.emit(next.unit, this.rtpTimestampFor(pts)!);
    return true;
  }

  /** This client's header fields into every packet of the unit, then the whole unit out in one call. */
  private emit(unit: RtpUnit, timestamp: number): void {
    const { data, lengths } = unit;
    const ssrc = this.ssrc;
    let at = 0;
    for (let i = 0; i < lengths.length; i++) {
      writeRtpHeaderFields(data, at, this.nextSeq, timestamp, ssrc);
      this.nextSeq = (this.nextSeq + 1) & 0xffff;
      at += lengths[i]!;
    }
    this.packetCount += lengths.length;
    this.octetCount += data.length - 12 * lengths.length;
    this.options.out.packets(data, lengths, unit.key);
  }

  async seek(sec: number): Promise<void> {
    const zero = await this.nptZeroPts();
    const tb = this.timeBase;
    this.index = await this.cache.keyframeAtOrBefore(nptToTicks(sec, zero, tb));
    // like RtpFileTrack: a seek goes back to the first pass's timeline
    this.clock.restart();
    this.pending = undefined;
    this.startPts = undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pending = undefined;
    this.options.onClose();
  }
}
