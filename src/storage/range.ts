import { KadrError } from '../core/errors.js';

/** A byte range [start, end] inclusive, as both stores take it. `end` past the object is clamped
 *  (HTTP semantics); a start at or past the end is an error rather than an empty read. */
export function checkRange(key: string, range: { start: number; end?: number }, size?: number): void {
  const { start, end } = range;
  if (
    !Number.isSafeInteger(start) ||
    start < 0 ||
    (end !== undefined && (!Number.isSafeInteger(end) || end < start))
  ) {
    throw new KadrError('KADR_ERR_VALIDATION', `invalid byte range ${start}-${end ?? ''} for ${key}`, {
      hint: 'start and end are byte offsets, 0 <= start <= end (end inclusive)',
    });
  }
  if (size !== undefined && start >= size) {
    throw new KadrError(
      'KADR_ERR_VALIDATION',
      `byte range starts at ${start}, past the end of ${key} (${size} bytes)`,
    );
  }
}
