/**
 * RTP packets back into sequence order (RFC 3550 §A.1). Over UDP packets can arrive out of order; a
 * packet ahead of the expected one waits until the gap fills, or until a packet has waited
 * `maxDelayMs` (or `maxPackets` wait), when the missing ones are given up as lost. The window is a
 * time, not a packet count: a keyframe is a burst of tens or hundreds of packets sent within a few
 * milliseconds, and a packet delayed a little past such a burst would fall out of any count that fits
 * the rest of the stream. The first packets of a session wait the same time before the start is
 * chosen (the lowest sequence number seen), so a session whose first packets arrive out of order does
 * not begin after its first keyframe. Late and duplicate packets are dropped. Over TCP the order is
 * kept by the connection and a delay of 0 only reports gaps.
 *
 * Time passes only with arrivals (`push`): a source that stops sending with a gap open has what waits
 * handed over by `flush()` at the end of the stream.
 */
import type { RtpPacket } from './rtp-packet.js';

export interface ReorderOptions {
  maxDelayMs: number;
  /** Bound on what waits, whatever the time (memory). */
  maxPackets?: number;
  now?: () => number;
}

interface Held {
  packet: RtpPacket;
  atMs: number;
}

export class RtpReorderBuffer {
  private expected: number | null = null;
  private readonly held = new Map<number, Held>();
  /** Arrival of the packet that has waited longest (the first held after the current gap). */
  private waitingSinceMs = 0;
  private lost = false;
  private readonly maxPackets: number;
  private readonly now: () => number;
  lostPackets = 0;
  /** Packets that came after their place was given up (or twice). */
  latePackets = 0;

  constructor(
    private readonly o: ReorderOptions,
    private readonly out: (packet: RtpPacket, lostBefore: boolean) => void,
  ) {
    this.maxPackets = o.maxPackets ?? 4096;
    this.now = o.now ?? (() => performance.now());
  }

  push(packet: RtpPacket): void {
    const now = this.now();
    if (this.expected === null) {
      if (this.o.maxDelayMs === 0) this.expected = packet.seq;
      else {
        this.hold(packet, now);
        if (now - this.waitingSinceMs >= this.o.maxDelayMs || this.held.size > this.maxPackets)
          this.startAtLowest();
        return;
      }
    }
    const ahead = (packet.seq - this.expected) & 0xffff;
    if (ahead >= 0x8000 || (ahead > 0 && this.held.has(packet.seq))) {
      this.latePackets++; // late or duplicate: its place has gone
      return;
    }
    if (ahead === 0) {
      this.emit(packet);
      this.drain();
      this.restartWait();
      this.expire(now);
      return;
    }
    if (this.o.maxDelayMs === 0) {
      this.skipTo(packet.seq);
      this.emit(packet);
      return;
    }
    this.hold(packet, now);
    this.expire(now);
  }

  /** Emits whatever waits, in order (end of stream). */
  flush(): void {
    if (this.expected === null && this.held.size > 0) this.startAtLowest();
    while (this.held.size > 0 && this.expected !== null) {
      if (!this.held.has(this.expected)) this.skipTo(this.nearestHeld());
      this.drain();
    }
  }

  private hold(packet: RtpPacket, now: number): void {
    if (this.held.size === 0) this.waitingSinceMs = now;
    this.held.set(packet.seq, { packet, atMs: now });
  }

  /** The start of the session: the lowest sequence number among the first packets. */
  private startAtLowest(): void {
    const first = this.held.keys().next().value!;
    let lowest = first;
    for (const seq of this.held.keys()) {
      if (((seq - first) << 16) >> 16 < ((lowest - first) << 16) >> 16) lowest = seq;
    }
    this.expected = lowest;
    this.drain();
    this.restartWait();
  }

  /** Gives up gaps whose first waiting packet has waited too long (or when too much waits). */
  private expire(now: number): void {
    while (
      this.held.size > 0 &&
      (now - this.waitingSinceMs >= this.o.maxDelayMs || this.held.size > this.maxPackets)
    ) {
      // Continue at the nearest packet that did arrive.
      this.skipTo(this.nearestHeld());
      this.drain();
      this.restartWait();
    }
  }

  private restartWait(): void {
    if (this.held.size === 0) return;
    this.waitingSinceMs = this.held.get(this.nearestHeld())!.atMs;
  }

  private nearestHeld(): number {
    let nearest: number | null = null;
    for (const seq of this.held.keys()) {
      if (nearest === null || ((seq - this.expected!) & 0xffff) < ((nearest - this.expected!) & 0xffff))
        nearest = seq;
    }
    return nearest!;
  }

  private skipTo(seq: number): void {
    this.lostPackets += (seq - this.expected!) & 0xffff;
    this.expected = seq;
    this.lost = true;
  }

  private drain(): void {
    for (let h = this.held.get(this.expected!); h; h = this.held.get(this.expected!)) {
      this.held.delete(h.packet.seq);
      this.emit(h.packet);
    }
  }

  private emit(packet: RtpPacket): void {
    const lost = this.lost;
    this.lost = false;
    this.expected = (packet.seq + 1) & 0xffff;
    this.out(packet, lost);
  }
}
