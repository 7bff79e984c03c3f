/** Times in requests: ISO 8601 with a zone (docs/api.md). */
import { KadrError } from '../core/errors.js';
import { parseWallclock } from '../timeline/index.js';

/** An ISO 8601 time with a zone, as ms since 1970; a 400 naming the parameter otherwise. */
export function isoTime(name: string, text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) {
    throw new KadrError('KADR_ERR_TIME_INVALID', `${name}: '${text}' is not an ISO 8601 time`, {
      hint: 'e.g. 2026-12-04T23:10:01.120Z',
    });
  }
  try {
    return parseWallclock(text);
  } catch {
    throw new KadrError('KADR_ERR_TIME_INVALID', `${name}: '${text.slice(0, 64)}' is not an ISO 8601 time`, {
      hint: 'give a time with a zone, e.g. 2026-12-04T23:10:01.120Z',
    });
  }
}
