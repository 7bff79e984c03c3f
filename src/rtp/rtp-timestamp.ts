/**
 * The 32-bit RTP timestamp as a 64-bit count (RFC 3550 §5.1: it wraps every 13 h at 90 kHz, and a
 * source may start anywhere): each timestamp is placed at the signed 32-bit distance from the previous
 * one, so a wrap keeps counting up and a source stepping back stays a step back (a reset, not +13 h).
 */
export class RtpTimestampUnwrapper {
  private last: number | null = null;
  private extended = 0n;

  /** The timestamp counted from the first one seen (which is 0). */
  unwrap(timestamp: number): bigint {
    if (this.last === null) {
      this.last = timestamp >>> 0;
      return 0n;
    }
    const delta = ((timestamp - this.last) | 0) as number;
    this.last = timestamp >>> 0;
    this.extended += BigInt(delta);
    return this.extended;
  }
}

/** Signed distance a - b between two 32-bit RTP timestamps, assumed less than 2^31 apart. */
export function rtpTimestampDiff(a: number, b: number): number {
  return (a - b) | 0;
}
