/**
 * The receiver report a client sends back (RFC 3550 §6.4.2, A.3): one report block about the sender's
 * SSRC with losses, the extended highest sequence number, interarrival jitter and the LSR/DLSR pair
 * the sender uses to measure the round trip. Servers (and some cameras) drop a client that stays
 * silent on RTCP.
 */
import { RTCP_RR } from './rtcp-sender-report.js';

/** Per-source reception statistics, fed with every RTP packet in arrival order. */
export class ReceptionStats {
  private baseSeq: number | null = null;
  private cycles = 0;
  private maxSeq = 0;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private jitter = 0;
  private lastTransit: number | null = null;

  constructor(private readonly clockRate: number) {}

  packet(seq: number, rtpTimestamp: number, arrivalMs: number): void {
    if (this.baseSeq === null) {
      this.baseSeq = seq;
      this.maxSeq = seq;
    } else {
      const delta = (seq - this.maxSeq) & 0xffff;
      if (delta > 0 && delta < 0x8000) {
        if (seq < this.maxSeq) this.cycles += 0x10000;
        this.maxSeq = seq;
      }
    }
    this.received++;
    const transit = (arrivalMs * this.clockRate) / 1000 - rtpTimestamp;
    if (this.lastTransit !== null) {
      let d = transit - this.lastTransit;
      // A 32-bit wrap of the timestamp between two packets is not jitter.
      if (d > 2 ** 31) d -= 2 ** 32;
      else if (d < -(2 ** 31)) d += 2 ** 32;
      this.jitter += (Math.abs(d) - this.jitter) / 16;
    }
    this.lastTransit = transit;
  }

  /** RR with one block for `senderSsrc`; lsr/dlsr from the last sender report (0 before one). */
  receiverReport(ourSsrc: number, senderSsrc: number, lastSrNtp: bigint | null, sinceSrMs: number): Buffer {
    const buf = Buffer.alloc(32);
    buf[0] = 0x81; // V=2, one report block
    buf[1] = RTCP_RR;
    buf.writeUInt16BE(7, 2);
    buf.writeUInt32BE(ourSsrc >>> 0, 4);
    buf.writeUInt32BE(senderSsrc >>> 0, 8);
    const extendedMax = this.cycles + this.maxSeq;
    const expected = this.baseSeq === null ? 0 : extendedMax - this.baseSeq + 1;
    const lost = Math.max(0, Math.min(0x7fffff, expected - this.received));
    const expectedInterval = expected - this.expectedPrior;
    const lostInterval = expectedInterval - (this.received - this.receivedPrior);
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const fraction =
      expectedInterval > 0 && lostInterval > 0 ? Math.floor((lostInterval << 8) / expectedInterval) : 0;
    buf.writeUInt32BE(((Math.min(fraction, 255) << 24) | lost) >>> 0, 12);
    buf.writeUInt32BE(extendedMax >>> 0, 16);
    buf.writeUInt32BE(Math.round(this.jitter) >>> 0, 20);
    if (lastSrNtp !== null) {
      buf.writeUInt32BE(Number((lastSrNtp >> 16n) & 0xffff_ffffn), 24);
      buf.writeUInt32BE(Math.round((sinceSrMs * 65536) / 1000) >>> 0, 28);
    }
    return buf;
  }
}
