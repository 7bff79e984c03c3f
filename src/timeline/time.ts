/**
 * A time on the timeline, "t milliseconds after the first displayed frame", kept as an exact fraction
 * so that 1234.5 ms compares exactly against any stream time base.
 */
import { KadrError } from '../core/errors.js';
import type { Rational } from '../core/rational.js';

export interface TimeMs {
  /** t = num / den milliseconds, den a power of ten. */
  num: bigint;
  den: bigint;
}

export function parseTimeMs(value: string | number): TimeMs {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const m = /^([+-]?)(\d+)(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) {
    throw new KadrError('KADR_ERR_TIME_INVALID', `'${text}' is not a time in milliseconds`, {
      hint: 'give a number such as 1500 or 1500.5',
    });
  }
  const frac = m[3] ?? '';
  const num = BigInt(m[2]! + frac);
  const den = 10n ** BigInt(frac.length);
  if (m[1] === '-' && num !== 0n) {
    throw new KadrError('KADR_ERR_TIME_NEGATIVE', `time ${text} ms is negative`, {
      hint: 'times count from the first frame, which is at 0',
    });
  }
  return { num, den };
}

export function timeMsToNumber(t: TimeMs): number {
  return Number(t.num) / Number(t.den);
}

/** deltaTicks (a distance from the first frame in time base tb) <= t ? Exact integer comparison. */
export function ticksAtOrBefore(deltaTicks: bigint, tb: Rational, t: TimeMs): boolean {
  return deltaTicks * BigInt(tb.num) * 1000n * t.den <= t.num * BigInt(tb.den);
}
