/**
 * Calls to kadr's API with the token the user signed in with (sessionStorage 'kadr-token', the key
 * the live player page `/live/<name>` reads too), and its errors turned into text a person can act
 * on, with each message placed at the form field it is about when the server says which.
 */
import type { components } from './schema';

export type Camera = components['schemas']['Camera'];
export type Video = components['schemas']['Video'];

export const TOKEN_KEY = 'kadr-token';
/** Fired on window when the API answers 401: the UI then asks for the token. */
export const UNAUTHORIZED_EVENT = 'kadr-unauthorized';

export const getToken = (): string => sessionStorage.getItem(TOKEN_KEY) ?? '';
export const setToken = (token: string): void =>
  token ? sessionStorage.setItem(TOKEN_KEY, token) : sessionStorage.removeItem(TOKEN_KEY);

export function authHeaders(): Record<string, string> {
  const token = getToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly hint: string | undefined,
    /** One message per field of the request body, when the server named the field. */
    readonly fields: Record<string, string>,
  ) {
    super(message);
  }

  /** The message and the server's hint, as one text for a person. */
  get text(): string {
    return this.hint ? `${this.message}. ${this.hint}` : this.message;
  }
}

interface ErrorJson {
  error?: { code?: string; message?: string; hint?: string; fields?: Record<string, string> };
}

/** Of the messages Ajv gives for a union ("must be null, must be > 0, must match a schema in anyOf"), the one about the value's rule. */
const UNION_NOISE = /^must (be null|be equal to constant|match a schema in anyOf)$/;

/**
 * Which body field an error is about: the profiles API lists them (`fields`); Ajv's messages start
 * with `body/<field>` (`body/retention/maxBytes` for a nested one: the key is `retention.maxBytes`)
 * or name a missing property; kadr's own start with the field's name (`retention.maxBytes must ...`).
 */
function fieldsOf(body: ErrorJson['error'], status: number): Record<string, string> {
  if (body?.fields) return body.fields;
  const message = body?.message ?? '';
  const ajv = /^body\/([\w/]+) /.exec(message);
  if (ajv) {
    const clauses = message.split(/, (?=body\/)/).map((c) => c.replace(/^body\/[\w/]+ /, ''));
    return { [ajv[1]!.replaceAll('/', '.')]: clauses.find((c) => !UNION_NOISE.test(c)) ?? clauses[0]! };
  }
  const missing = /^body must have required property '(\w+)'/.exec(message);
  if (missing) return { [missing[1]!]: 'is required' };
  if (status === 409 && /named/.test(message)) return { name: message };
  const own = /^(\w+(?:\.\w+)?) (.*)$/.exec(message);
  return own ? { [own[1]!]: own[2]! } : {};
}

export async function errorFrom(res: Response): Promise<ApiError> {
  let body: ErrorJson = {};
  try {
    body = (await res.json()) as ErrorJson;
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  if (res.status === 401) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
  const e = body.error;
  const message =
    res.status === 401
      ? 'kadr needs its API token: sign in again'
      : (e?.message ?? `kadr answered ${res.status} ${res.statusText}`);
  return new ApiError(message, res.status, e?.code ?? 'HTTP', e?.hint, fieldsOf(e, res.status));
}

/** A JSON call; resolves with the parsed answer (undefined for 204). */
export async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { ...authHeaders(), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(
      'kadr does not answer. Check that it is running and reachable, then try again',
      0,
      'NETWORK',
      undefined,
      {},
    );
  }
  if (!res.ok) throw await errorFrom(res);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** A text for any error thrown by the calls above (or by the browser). */
export const errorText = (error: unknown): string =>
  error instanceof ApiError ? error.text : error instanceof Error ? error.message : String(error);
