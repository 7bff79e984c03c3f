/**
 * Domain errors carry a stable code (KADR_ERR_<AREA>_<WHAT>), a message that says what is wrong and,
 * where we know it, a hint that says what to do. The edges (CLI, HTTP, RTSP) map codes to exit codes or
 * status codes; domain code never knows about either. docs/errors.md lists every code.
 */
export type KadrErrorCode =
  | 'KADR_ERR_INPUT_NOT_FOUND'
  | 'KADR_ERR_INPUT_UNREADABLE'
  | 'KADR_ERR_INPUT_NOT_MEDIA'
  | 'KADR_ERR_INPUT_NO_VIDEO'
  | 'KADR_ERR_INPUT_CORRUPT'
  | 'KADR_ERR_INPUT_NO_FACE'
  | 'KADR_ERR_INPUT_MANY_FACES'
  | 'KADR_ERR_TIME_NEGATIVE'
  | 'KADR_ERR_TIME_PAST_END'
  | 'KADR_ERR_TIME_NOT_RECORDED'
  | 'KADR_ERR_TIME_INVALID'
  | 'KADR_ERR_OUTPUT_FORMAT'
  | 'KADR_ERR_OUTPUT_WRITE'
  | 'KADR_ERR_USAGE'
  | 'KADR_ERR_CONFIG'
  | 'KADR_ERR_STORAGE_KEY'
  | 'KADR_ERR_STORAGE_NOT_FOUND'
  | 'KADR_ERR_STORAGE_UNAVAILABLE'
  | 'KADR_ERR_CODEC_UNSUPPORTED'
  | 'KADR_ERR_NOT_FOUND'
  | 'KADR_ERR_CONFLICT'
  | 'KADR_ERR_VALIDATION'
  | 'KADR_ERR_INTERNAL'
  | 'KADR_ERR_UPLOAD_TOO_LARGE'
  | 'KADR_ERR_UNAUTHORIZED'
  | 'KADR_ERR_STREAM_UNAVAILABLE'
  | 'KADR_ERR_ANALYSIS_BUSY'
  | 'KADR_ERR_ONVIF_UNREACHABLE'
  | 'KADR_ERR_ONVIF_TIMEOUT'
  | 'KADR_ERR_ONVIF_FAULT';

export interface KadrErrorOptions {
  hint?: string;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class KadrError extends Error {
  readonly code: KadrErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: KadrErrorCode, message: string, options: KadrErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KadrError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }
}

export function isKadrError(error: unknown, code?: KadrErrorCode): error is KadrError {
  return error instanceof KadrError && (code === undefined || error.code === code);
}

/** One line for a person: the message, then the hint when there is one. */
export function describeError(error: unknown): string {
  if (error instanceof KadrError) return error.hint ? `${error.message} (${error.hint})` : error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
