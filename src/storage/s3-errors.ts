/**
 * AWS SDK errors -> KadrError. The SDK reports an unreachable endpoint as a bare Node socket error
 * (sometimes an AggregateError, one per address tried) and server trouble as 5xx service errors;
 * both mean "storage unavailable, try later" to kadr. Missing objects and bad credentials get
 * their own codes so callers and people can act on them.
 */
import { KadrError } from '../core/errors.js';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);
const TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'ThrottlingException',
]);
const AUTH_NAMES = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden']);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  errors?: unknown[];
  $metadata?: { httpStatusCode?: number };
}

function networkCode(e: unknown): string | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const err = e as SdkError;
  if (err.code && NETWORK_CODES.has(err.code)) return err.code;
  for (const inner of err.errors ?? []) {
    const c = networkCode(inner);
    if (c) return c;
  }
  return undefined;
}

export function statusOf(e: unknown): number | undefined {
  return (e as SdkError | null)?.$metadata?.httpStatusCode;
}

export function isNotFound(e: unknown): boolean {
  const name = (e as SdkError | null)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchBucket' || statusOf(e) === 404;
}

/** True for failures that may pass if the same request is sent again later. */
export function isTransient(e: unknown): boolean {
  if (networkCode(e)) return true;
  const name = (e as SdkError | null)?.name;
  if (name && TRANSIENT_NAMES.has(name)) return true;
  const status = statusOf(e);
  return status !== undefined && status >= 500;
}

export function toKadrError(e: unknown, endpoint: string, what: string): unknown {
  if (e instanceof KadrError) return e;
  if (isTransient(e)) {
    const code = networkCode(e) ?? (e as SdkError).name ?? `HTTP ${statusOf(e)}`;
    return new KadrError(
      'KADR_ERR_STORAGE_UNAVAILABLE',
      `S3 endpoint ${endpoint} unavailable while ${what} (${code})`,
      {
        hint: 'check that the S3 server is running and that S3_ENDPOINT points at it',
        cause: e,
      },
    );
  }
  const name = (e as SdkError | null)?.name;
  const status = statusOf(e);
  // HEAD answers carry no body, so a refused HEAD is a bare 403 with no error name
  if ((name && AUTH_NAMES.has(name)) || status === 403 || status === 401) {
    return new KadrError(
      'KADR_ERR_CONFIG',
      `S3 endpoint ${endpoint} refused the credentials while ${what} (${name})`,
      {
        hint: 'check S3_ACCESS_KEY and S3_SECRET_KEY, and the key’s rights on the bucket',
        cause: e,
      },
    );
  }
  if (e instanceof Error && !(e as SdkError).$metadata) return e; // not from S3 (e.g. the caller's source stream)
  return new KadrError(
    'KADR_ERR_STORAGE_UNAVAILABLE',
    `S3 endpoint ${endpoint} failed while ${what}: ${name ?? 'error'}${status ? ` (HTTP ${status})` : ''}`,
    { cause: e },
  );
}
