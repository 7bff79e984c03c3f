/**
 * What went wrong talking to an ONVIF device, as kadr's error codes. The `onvif` package reports
 * every failure as a plain Error with a message; the HTTP status and body it saw come from its
 * rawResponse event.
 */
import { KadrError } from '../core/errors.js';

export interface SoapExchange {
  /** The operation, e.g. GetProfiles. */
  operation: string;
  xaddr: string;
  /** The last HTTP answer the device gave (absent when none came). */
  status?: number | undefined;
  body?: string | undefined;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EPIPE',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

export function unauthorizedError(x: SoapExchange): KadrError {
  return new KadrError(
    'KADR_ERR_UNAUTHORIZED',
    `the ONVIF device at ${x.xaddr} refused the user name or password (${x.operation}: ${x.status === 401 ? 'HTTP 401' : 'NotAuthorized'})`,
    {
      hint:
        'give the user and password of an ONVIF user of the device (often set apart from its web page users); ' +
        "WS-UsernameToken also fails when the device's clock is far from its own GetSystemDateAndTime",
    },
  );
}

export function timeoutError(x: SoapExchange, timeoutMs: number): KadrError {
  return new KadrError(
    'KADR_ERR_ONVIF_TIMEOUT',
    `the ONVIF device at ${x.xaddr} did not answer ${x.operation} within ${timeoutMs} ms`,
    {
      hint: 'check that the address is the device service (the XAddr discovery shows) and that the device is up',
    },
  );
}

/** The error for a failed call; `error` is what the onvif package handed back. */
export function soapCallError(error: unknown, x: SoapExchange, timeoutMs: number): KadrError {
  if (error instanceof KadrError) return error;
  const e = error as NodeJS.ErrnoException;
  const message = e?.message ?? String(error);
  const body = (x.body ?? '').toLowerCase();
  // The package answers a refused HTTP Digest before reading the body, so no status reached us.
  if (/digest authentication (failed|headers not found) 401/i.test(message))
    return unauthorizedError({ ...x, status: 401 });
  if (x.status === 401 || body.includes('notauthorized') || body.includes('sender not authorized')) {
    return unauthorizedError(x);
  }
  if (message === 'Network timeout' || e?.code === 'ETIMEDOUT') return timeoutError(x, timeoutMs);
  if (e?.code && UNREACHABLE.has(e.code)) {
    return new KadrError(
      'KADR_ERR_ONVIF_UNREACHABLE',
      `cannot reach the ONVIF device at ${x.xaddr}: ${e.code}`,
      {
        hint: 'check the host and port of the device service URL (the XAddr discovery shows), and that the device is on',
        cause: error,
      },
    );
  }
  const fault = /^ONVIF SOAP Fault: /.test(message)
    ? message.replace(/^ONVIF SOAP Fault: /, '').trim()
    : null;
  return new KadrError(
    'KADR_ERR_ONVIF_FAULT',
    fault !== null
      ? `the ONVIF device at ${x.xaddr} answered ${x.operation} with a fault: ${fault.slice(0, 300) || 'no reason given'}`
      : `the ONVIF device at ${x.xaddr} gave no usable answer to ${x.operation}${x.status ? ` (HTTP ${x.status})` : ''}: ${message.slice(0, 300)}`,
    {
      hint: 'is this the ONVIF device service URL (usually http://HOST/onvif/device_service)?',
      cause: error,
    },
  );
}
