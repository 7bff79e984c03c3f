/**
 * RTP packets back into sequence order (RFC 3550 §A.1). Over UDP packets can arrive out of order; a
 * packet ahead of the expected one waits until the gap fills, or until `depth` packets wait, when the
 * missing ones are given up as lost. Late and duplicate packets are dropped. Over TCP the order is
 * kept by the connection and depth 0 only reports gaps.
 */
import type { RtpPacket } from './rtp-packet.js';

export class RtpReorderBuffer {
  private expected: number | null = null;
  private readonly held = new Map<number, RtpPacket>();
  private lost = false;
  lostPackets = 0;

  constructor(
    private readonly depth: number,
    private readonly out: (packet: RtpPacket, lostBefore: boolean) => void,
  ) {}

  push(packet: RtpPacket): void {
    if (this.expected === null) this.expected = packet.seq;
    const ahead = (packet.seq - this.expected) & 0xffff;
    if (ahead >= 0x8000) return; // late or duplicate: its place has gone
    if (ahead === 0) {
      this.emit(packet);
      this.drain();
      return;
    }
    if (this.depth === 0) {
      this.skipTo(packet.seq);
      this.emit(packet);
      return;
    }
    this.held.set(packet.seq, packet);
    if (this.held.size > this.depth) {
      // Give up on the gap: continue at the nearest packet that did arrive.
      let nearest = packet.seq;
      for (const seq of this.held.keys()) {
        if (((seq - this.expected) & 0xffff) < ((nearest - this.expected) & 0xffff)) nearest = seq;
      }
      this.skipTo(nearest);
      this.drain();
    }
  }

  /** Emits whatever waits, in order (end of stream). */
  flush(): void {
    while (this.held.size > 0 && this.expected !== null) {
      if (!this.held.has(this.expected)) this.skipTo(this.nearestHeld());
      this.drain();
    }
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
    for (let p = this.held.get(this.expected!); p; p = this.held.get(this.expected!)) {
      this.held.delete(p.seq);
      this.emit(p);
    }
  }

  private emit(packet: RtpPacket): void {
    const lost = this.lost;
    this.lost = false;
    this.expected = (packet.seq + 1) & 0xffff;
    this.out(packet, lost);
  }
}
