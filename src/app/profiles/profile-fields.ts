/**
 * Validation of a profile's personal data (PATCH /api/profiles/:id). Pure: every field is checked
 * and every problem reported, one message per field, so that a form can show them all at once; the
 * caller saves nothing unless the whole body is valid.
 *
 * Rules (docs/profiles.md):
 * - name parts (lastName, firstName, middleName): letters of any script (\p{L}) with their combining
 *   marks (\p{M}, e.g. a decomposed "é" or Devanagari vowel signs), spaces, hyphens and apostrophes
 *   (' and ’); at least one letter; 1–100 characters after trimming. Text is NFC-normalised first,
 *   so "é" typed as e + ◌́ counts (and is stored) as one character. null clears the field.
 * - birthDate: a real calendar date written YYYY-MM-DD, from 1900-01-01 to today. "Today" is the date
 *   in the easternmost time zone (UTC+14), so nobody anywhere has their own today refused.
 * - gender: one of GENDERS, or null.
 */

/**
 * The fixed set. `female` and `male` for the two common answers, `other` for a person who is
 * neither, and `unknown` for "the operator does not know" (ISO/IEC 5218's "not known"), which is not
 * the same as a field nobody has filled in yet (null).
 */
export const GENDERS = ['female', 'male', 'other', 'unknown'] as const;
export type Gender = (typeof GENDERS)[number];

export const NAME_FIELDS = ['lastName', 'firstName', 'middleName'] as const;
export type NameField = (typeof NAME_FIELDS)[number];
export const PROFILE_FIELDS = [...NAME_FIELDS, 'gender', 'birthDate'] as const;

export const NAME_MAX_LENGTH = 100;
export const MIN_BIRTH_DATE = '1900-01-01';

export interface ProfilePatch {
  lastName?: string | null;
  firstName?: string | null;
  middleName?: string | null;
  gender?: Gender | null;
  /** YYYY-MM-DD. */
  birthDate?: string | null;
}

export type PatchValidation =
  { ok: true; patch: ProfilePatch } | { ok: false; fields: Record<string, string> };

const NAME_CHARS = /^[\p{L}\p{M} '’-]+$/u;
const HAS_LETTER = /\p{L}/u;
const DATE_SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function validateName(value: unknown): { value: string | null } | { error: string } {
  if (value === null) return { value: null };
  if (typeof value !== 'string') return { error: 'must be a string or null' };
  const name = value.normalize('NFC').trim();
  const length = [...name].length;
  if (length === 0) return { error: 'must not be empty (send null to clear it)' };
  if (length > NAME_MAX_LENGTH)
    return { error: `must be at most ${NAME_MAX_LENGTH} characters, got ${length}` };
  if (!NAME_CHARS.test(name)) {
    return { error: "may contain only letters, spaces, hyphens and apostrophes (' or ’)" };
  }
  if (!HAS_LETTER.test(name)) return { error: 'must contain at least one letter' };
  return { value: name };
}

/** Today's date (YYYY-MM-DD) in UTC+14, the last place on Earth where it is still today. */
export function latestToday(now: Date): string {
  return new Date(now.getTime() + 14 * 3600_000).toISOString().slice(0, 10);
}

export function validateBirthDate(value: unknown, now: Date): { value: string | null } | { error: string } {
  if (value === null) return { value: null };
  if (typeof value !== 'string') return { error: 'must be a date string YYYY-MM-DD or null' };
  const m = DATE_SHAPE.exec(value);
  if (!m) return { error: `must be a date written YYYY-MM-DD, got '${value.slice(0, 40)}'` };
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Date.UTC rolls 30 February over into March: a real date survives the round trip unchanged.
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (
    mo < 1 ||
    mo > 12 ||
    date.getUTCFullYear() !== y ||
    date.getUTCMonth() !== mo - 1 ||
    date.getUTCDate() !== d
  ) {
    return { error: `${value} is not a calendar date` };
  }
  if (value < MIN_BIRTH_DATE) return { error: `must not be before ${MIN_BIRTH_DATE}` };
  if (value > latestToday(now)) return { error: 'must not be in the future' };
  return { value };
}

export function validateGender(value: unknown): { value: Gender | null } | { error: string } {
  if (value === null) return { value: null };
  if (typeof value === 'string' && (GENDERS as readonly string[]).includes(value))
    return { value: value as Gender };
  return { error: `must be one of ${GENDERS.join(', ')} or null` };
}

/** Checks a PATCH body; `{ ok: false }` lists one message per bad field (`body` for the body itself). */
export function validateProfilePatch(body: unknown, now = new Date()): PatchValidation {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, fields: { body: `must be a JSON object with any of ${PROFILE_FIELDS.join(', ')}` } };
  }
  const input = body as Record<string, unknown>;
  // No prototype: a key "__proto__" (JSON.parse keeps it as an own key) must be reported like any
  // other unknown field, not swallowed as a prototype assignment.
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  const patch: ProfilePatch = {};
  for (const key of Object.keys(input)) {
    if (!(PROFILE_FIELDS as readonly string[]).includes(key)) fields[key] = 'is not a profile field';
  }
  for (const key of NAME_FIELDS) {
    if (!(key in input)) continue;
    const r = validateName(input[key]);
    if ('error' in r) fields[key] = r.error;
    else patch[key] = r.value;
  }
  if ('gender' in input) {
    const r = validateGender(input.gender);
    if ('error' in r) fields.gender = r.error;
    else patch.gender = r.value;
  }
  if ('birthDate' in input) {
    const r = validateBirthDate(input.birthDate, now);
    if ('error' in r) fields.birthDate = r.error;
    else patch.birthDate = r.value;
  }
  if (Object.keys(fields).length > 0) return { ok: false, fields };
  if (Object.keys(patch).length === 0) {
    return { ok: false, fields: { body: `nothing to change: give any of ${PROFILE_FIELDS.join(', ')}` } };
  }
  return { ok: true, patch };
}
