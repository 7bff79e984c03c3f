/**
 * Asking the sender for a keyframe after a loss: RTCP Picture Loss Indication (RFC 4585 §6.3.1) and
 * Full Intra Request (RFC 5104 §4.3.1), each sent in a compound packet behind a receiver report
 * (RFC 4585 §3.1). A sender that does not implement them ignores them (RFC 3550 §6.1: unknown RTCP
 * packet types are ignored), so PLI is always sent; FIR only to a sender whose SDP offers `ccm fir`.
 * Requests are spaced: one per loss stretch, repeated while no keyframe comes, at most one a second.
 */

const RTCP_PSFB = 206;
const FMT_PLI = 1;
const FMT_FIR = 4;

export function pictureLossIndication(senderSsrc: number, mediaSsrc: number): Buffer {
  const b = Buffer.alloc(12);
  b[0] = 0x80 | FMT_PLI;
  b[1] = RTCP_PSFB;
  b.writeUInt16BE(2, 2);
  b.writeUInt32BE(senderSsrc >>> 0, 4);
  b.writeUInt32BE(mediaSsrc >>> 0, 8);
  return b;
}

export function fullIntraRequest(senderSsrc: number, mediaSsrc: number, seqNr: number): Buffer {
  const b = Buffer.alloc(20);
  b[0] = 0x80 | FMT_FIR;
  b[1] = RTCP_PSFB;
  b.writeUInt16BE(4, 2);
  b.writeUInt32BE(senderSsrc >>> 0, 4);
  b.writeUInt32BE(0, 8); // media source SSRC: unused in FIR, the FCI names it
  b.writeUInt32BE(mediaSsrc >>> 0, 12);
  b[16] = seqNr & 0xff;
  return b;
}

/** Whether the SDP media section offers FIR (a=rtcp-fb:<pt or *> ccm fir). */
export function offersFir(rtcpFb: string[]): boolean {
  return rtcpFb.some((v) => /^ccm\s+fir\b/i.test(v));
}

export class KeyframeRequester {
  private wanted = false;
  private lastSentMs = -Infinity;
  private firSeq = 0;
  /** Requests sent so far. */
  sent = 0;

  constructor(
    private readonly o: {
      ourSsrc: number;
      fir: boolean;
      minIntervalMs?: number;
      /** A receiver report to lead the compound packet. */
      receiverReport(): Buffer | null;
      send(packet: Buffer): void;
      now?: () => number;
    },
  ) {}

  /** A loss was seen: ask now, unless a request went out less than the minimum interval ago. */
  lost(mediaSsrc: number | null): void {
    this.wanted = true;
    this.poll(mediaSsrc);
  }

  /** A keyframe that arrived whole: nothing more to ask for. */
  keyframe(): void {
    this.wanted = false;
  }

  /** Called on every unit: repeats the request while the damage lasts. */
  poll(mediaSsrc: number | null): void {
    if (!this.wanted || mediaSsrc === null) return;
    const now = this.o.now?.() ?? performance.now();
    if (now - this.lastSentMs < (this.o.minIntervalMs ?? 1000)) return;
    this.lastSentMs = now;
    const parts = [
      this.o.receiverReport() ?? Buffer.alloc(0),
      pictureLossIndication(this.o.ourSsrc, mediaSsrc),
    ];
    if (this.o.fir) parts.push(fullIntraRequest(this.o.ourSsrc, mediaSsrc, this.firSeq++));
    this.o.send(Buffer.concat(parts));
    this.sent++;
  }
}
