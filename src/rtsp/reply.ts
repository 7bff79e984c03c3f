/**
 * What every response of the server shares: the CSeq echo, the Server and Date headers, the methods
 * it offers, and the client address in one spelling (IPv4-mapped IPv6 addresses as plain IPv4).
 */
import { header, type RtspRequest, type RtspResponse, serializeResponse } from './message.js';

export const PUBLIC_METHODS = 'OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER';

export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** Builds a response echoing CSeq, with the Server and Date headers every response carries. */
export function reply(
  request: RtspRequest | undefined,
  status: number,
  headers: [string, string][] = [],
  body?: string,
): Buffer {
  const out: RtspResponse = { status, headers: [] };
  const cseq = request ? header(request.headers, 'cseq') : undefined;
  if (cseq !== undefined && /^\d{1,10}$/.test(cseq)) out.headers.push(['CSeq', cseq]);
  out.headers.push(['Server', 'kadr'], ['Date', new Date().toUTCString()], ...headers);
  if (body !== undefined) out.body = body;
  return serializeResponse(out);
}
