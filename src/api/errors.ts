/**
 * The one table from error codes to HTTP statuses (MediaMTX maps sentinel errors in api/, Fastify
 * keeps a code registry). Every error body is { error: { code, message, hint? } }.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import {
  describeError,
  isKadrError,
  KadrError,
  type KadrErrorCode,
  type KadrErrorOptions,
} from '../core/errors.js';
import type { Logger } from '../core/logger.js';

/**
 * Explicit statuses; codes added later by other modules fall back to httpStatusOf's rules rather
 * than to 500, so a new input error is never reported as a server fault.
 */
export const statusByCode: Partial<Record<KadrErrorCode, number>> = {
  KADR_ERR_INPUT_NOT_FOUND: 404,
  KADR_ERR_INPUT_UNREADABLE: 422,
  KADR_ERR_INPUT_NOT_MEDIA: 422,
  KADR_ERR_INPUT_NO_VIDEO: 422,
  KADR_ERR_INPUT_CORRUPT: 422,
  KADR_ERR_TIME_NEGATIVE: 400,
  KADR_ERR_TIME_PAST_END: 400,
  KADR_ERR_TIME_NOT_RECORDED: 404,
  KADR_ERR_TIME_INVALID: 400,
  KADR_ERR_OUTPUT_FORMAT: 400,
  KADR_ERR_OUTPUT_WRITE: 500,
  KADR_ERR_USAGE: 400,
  KADR_ERR_CONFIG: 500,
  KADR_ERR_STORAGE_KEY: 400,
  KADR_ERR_STORAGE_NOT_FOUND: 404,
  KADR_ERR_STORAGE_UNAVAILABLE: 503,
  KADR_ERR_CODEC_UNSUPPORTED: 422,
  KADR_ERR_NOT_FOUND: 404,
  KADR_ERR_CONFLICT: 409,
  KADR_ERR_VALIDATION: 400,
  KADR_ERR_INTERNAL: 500,
  KADR_ERR_UPLOAD_TOO_LARGE: 413,
  KADR_ERR_UNAUTHORIZED: 401,
  KADR_ERR_STREAM_UNAVAILABLE: 503,
  KADR_ERR_ANALYSIS_BUSY: 503,
  // What an ONVIF device answered (or did not): the client named the device (src/api/onvif.routes.ts).
  KADR_ERR_ONVIF_UNREACHABLE: 422,
  KADR_ERR_ONVIF_TIMEOUT: 422,
  KADR_ERR_ONVIF_FAULT: 422,
};

/** Errors raised by Fastify and its plugins before our code runs. */
const fastifyCodes: Record<string, { status: number; code: KadrErrorCode }> = {
  FST_REQ_FILE_TOO_LARGE: { status: 413, code: 'KADR_ERR_UPLOAD_TOO_LARGE' },
  FST_FILES_LIMIT: { status: 413, code: 'KADR_ERR_UPLOAD_TOO_LARGE' },
  FST_PARTS_LIMIT: { status: 413, code: 'KADR_ERR_UPLOAD_TOO_LARGE' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { status: 415, code: 'KADR_ERR_VALIDATION' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'KADR_ERR_VALIDATION' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'KADR_ERR_UPLOAD_TOO_LARGE' },
  FST_MP_PREMATURE_CLOSE: { status: 400, code: 'KADR_ERR_VALIDATION' },
};

/** A KadrError whose HTTP status is not the code's usual one (415 for a body that is not multipart). */
export class HttpKadrError extends KadrError {
  constructor(
    readonly status: number,
    code: KadrErrorCode,
    message: string,
    options?: KadrErrorOptions,
  ) {
    super(code, message, options);
  }
}

export function httpStatusOf(code: KadrErrorCode): number {
  const explicit = statusByCode[code];
  if (explicit) return explicit;
  if (code.endsWith('_NOT_FOUND')) return 404;
  if (code.startsWith('KADR_ERR_INPUT_')) return 422;
  if (code.startsWith('KADR_ERR_TIME_') || /_(USAGE|VALIDATION|INVALID)$/.test(code)) return 400;
  if (code.endsWith('_UNAVAILABLE')) return 503;
  return 500;
}

export function registerErrorHandler(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isKadrError(error)) {
      const status = error instanceof HttpKadrError ? error.status : httpStatusOf(error.code);
      if (status >= 500) log.error('request failed', { url: request.url, error: describeError(error) });
      return reply.status(status).send({
        error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) },
      });
    }
    if (error.validation) {
      return reply.status(400).send({ error: { code: 'KADR_ERR_VALIDATION', message: error.message } });
    }
    const known = error.code ? fastifyCodes[error.code] : undefined;
    if (known)
      return reply.status(known.status).send({ error: { code: known.code, message: error.message } });
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) {
      log.error('request failed', { url: request.url, error: describeError(error), stack: error.stack });
      return reply.status(500).send({ error: { code: 'KADR_ERR_INTERNAL', message: 'internal error' } });
    }
    return reply.status(status).send({ error: { code: 'KADR_ERR_VALIDATION', message: error.message } });
  });
}
