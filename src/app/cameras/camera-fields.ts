/**
 * The rules of a camera's fields, for every caller (the API's schemas document the same rules and
 * check the types first). A name is a path segment of the restream URL and a file-name-safe id.
 */
import { KadrError } from '../../core/errors.js';
import type { CameraRetention } from './camera.dto.js';

export const CAMERA_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const CAMERA_NAME_RULE =
  'a letter or digit, then up to 63 letters, digits, ".", "_" or "-" (it is the restream path)';
export const CREDENTIAL_MAX_LENGTH = 255;
/** About 114 years: far beyond any retention, small enough to be exact in seconds. */
export const RETENTION_MAX_HOURS = 1_000_000;

export const validation = (message: string, hint?: string) =>
  new KadrError('KADR_ERR_VALIDATION', message, hint ? { hint } : undefined);

export function checkName(name: string): string {
  if (!CAMERA_NAME.test(name)) throw validation(`name must be ${CAMERA_NAME_RULE}`, 'e.g. "gate-1"');
  return name;
}

export function checkUser(user: string): string {
  // RFC 3986 section 3.2.1: the user ends at the first ":", so it cannot hold one.
  if (user === '' || user.length > CREDENTIAL_MAX_LENGTH || user.includes(':') || /\p{Cc}/u.test(user)) {
    throw validation(`user must be 1–${CREDENTIAL_MAX_LENGTH} characters, without ":" or control characters`);
  }
  return user;
}

export function checkPassword(password: string): string {
  if (password.length > CREDENTIAL_MAX_LENGTH || /\p{Cc}/u.test(password)) {
    throw validation(
      `password must be at most ${CREDENTIAL_MAX_LENGTH} characters, without control characters`,
    );
  }
  return password;
}

/** Retention as stored: seconds and bytes, null meaning no limit. */
export function retentionColumns(
  given: Partial<CameraRetention>,
  current: { retentionMaxAgeS: number | null; retentionMaxBytes: number | null },
): { retentionMaxAgeS: number | null; retentionMaxBytes: number | null } {
  let { retentionMaxAgeS, retentionMaxBytes } = current;
  if (given.maxAgeHours !== undefined) {
    const h = given.maxAgeHours;
    if (h !== null && !(Number.isFinite(h) && h > 0 && h <= RETENTION_MAX_HOURS)) {
      throw validation(
        `retention.maxAgeHours must be a number above 0 and at most ${RETENTION_MAX_HOURS}, or null`,
      );
    }
    retentionMaxAgeS = h === null ? null : Math.max(1, Math.round(h * 3600));
  }
  if (given.maxBytes !== undefined) {
    const b = given.maxBytes;
    if (b !== null && !(Number.isSafeInteger(b) && b >= 1)) {
      throw validation('retention.maxBytes must be a whole number of bytes, at least 1, or null');
    }
    retentionMaxBytes = b;
  }
  return { retentionMaxAgeS, retentionMaxBytes };
}
