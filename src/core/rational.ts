/**
 * Exact time arithmetic. A timestamp is an integer count of ticks of a rational time base
 * (num/den seconds per tick), kept as bigint so that 33-bit MPEG PTS and 64-bit Matroska values
 * never lose precision. Milliseconds are derived, never stored as the source of truth.
 */
export interface Rational {
  readonly num: number;
  readonly den: number;
}

export const RTP_VIDEO_TIME_BASE: Rational = { num: 1, den: 90_000 };

/** Largest n such that n/d <= a/b... floor division that is right for negative values too. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

export function ceilDiv(a: bigint, b: bigint): bigint {
  return -floorDiv(-a, b);
}

/** ticks * tb in milliseconds, as a float (for display and JSON). */
export function ticksToMs(ticks: bigint, tb: Rational): number {
  // Split to keep precision: whole milliseconds exactly, the remainder as a fraction.
  const scaled = ticks * BigInt(tb.num) * 1000n;
  const den = BigInt(tb.den);
  const whole = floorDiv(scaled, den);
  const rest = scaled - whole * den;
  return Number(whole) + Number(rest) / tb.den;
}

/**
 * Rescale ticks from one time base to another, rounding to nearest (ties away from zero), as
 * av_rescale_q does. Exact when the target base divides the source base.
 */
export function rescale(ticks: bigint, from: Rational, to: Rational): bigint {
  const num = ticks * BigInt(from.num) * BigInt(to.den);
  const den = BigInt(from.den) * BigInt(to.num);
  const half = den / 2n;
  return num >= 0n ? (num + half) / den : -((-num + half) / den);
}

export function formatRational(tb: Rational): string {
  return `${tb.num}/${tb.den}`;
}
