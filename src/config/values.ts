/** Parsing helpers shared by the config sections: every error names the key, the value and the rule. */
import { KadrError } from '../core/errors.js';

export function invalid(key: string, value: string, rule: string): KadrError {
  return new KadrError('KADR_ERR_CONFIG', `'${key}' ${rule}, got '${value}'`, {
    hint: key.startsWith('--') ? `fix ${key} on the command line` : `fix ${key} in the environment`,
  });
}

export function integer(key: string, raw: string, min: number, max: number): number {
  const n = /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw invalid(key, raw, `must be an integer ${min}–${max}`);
  return n;
}

/** Sizes like 500M, 2G or plain bytes. */
export function byteSize(key: string, raw: string): number {
  const m = /^(\d+)\s*([kKmMgGtT]?)i?[bB]?$/.exec(raw.trim());
  if (!m) throw invalid(key, raw, 'must be a size in bytes, optionally with K, M, G or T');
  const exp = { '': 0, k: 1, m: 2, g: 3, t: 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const n = Number(m[1]) * 1024 ** exp;
  if (!Number.isSafeInteger(n) || n < 1) throw invalid(key, raw, 'must be at least 1 byte');
  return n;
}

/** A variable's value, with empty strings counted as unset. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value !== '' ? value : undefined;
}
