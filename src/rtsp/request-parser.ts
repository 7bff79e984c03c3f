/**
 * Incremental RTSP request parser for one TCP connection (RFC 2326 §6, §10.12). Bytes arrive in any
 * chunking; out come whole requests and interleaved binary frames (`$` channel length payload), which
 * share the connection once a client plays over RTP/AVP/TCP.
 *
 *   interleaved frame:  0x24 | channel (1 byte) | length (2 bytes, big endian) | payload
 *
 * Every limit is checked before the bytes are kept, so a hostile peer can make a connection hold at
 * most maxHeaderBytes + maxBodyBytes (or one 64 KiB frame). A violation yields one `error` event with
 * the status to send; the caller answers and closes, and the parser accepts nothing more.
 */
import type { RtspHeaders, RtspRequest } from './message.js';

export interface RequestParserLimits {
  maxHeaderBytes: number;
  maxHeaders: number;
  maxBodyBytes: number;
}

export const defaultParserLimits: RequestParserLimits = {
  maxHeaderBytes: 8192,
  maxHeaders: 64,
  maxBodyBytes: 64 * 1024,
};

export type ParserEvent =
  | { type: 'request'; request: RtspRequest }
  | { type: 'interleaved'; channel: number; payload: Buffer }
  | { type: 'error'; status: number; message: string };

const METHOD = /^[A-Z][A-Z_-]{0,31}$/;

export class RtspRequestParser {
  private pending: Buffer = Buffer.alloc(0);
  private failed = false;
  /** Parsed head waiting for its body. */
  private head: { request: Omit<RtspRequest, 'body'>; bodyLength: number } | undefined;

  constructor(private readonly limits: RequestParserLimits = defaultParserLimits) {}

  get bufferedBytes(): number {
    return this.pending.length;
  }

  /** true between the first byte of a request (or interleaved frame) and its last. */
  get inMessage(): boolean {
    return !this.failed && (this.pending.length > 0 || this.head !== undefined);
  }

  /** Feeds bytes, returns the events they complete. */
  push(chunk: Buffer): ParserEvent[] {
    if (this.failed) return [];
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const events: ParserEvent[] = [];
    for (;;) {
      const event = this.next();
      if (!event) break;
      events.push(event);
      if (event.type === 'error') {
        this.failed = true;
        this.pending = Buffer.alloc(0);
        break;
      }
    }
    return events;
  }

  private next(): ParserEvent | undefined {
    if (this.head) return this.takeBody();
    // Stray line breaks between messages are tolerated (some clients send CRLF keep-alives).
    let skip = 0;
    while (skip < this.pending.length && (this.pending[skip] === 0x0d || this.pending[skip] === 0x0a)) skip++;
    if (skip > 0) this.pending = this.pending.subarray(skip);
    if (this.pending.length === 0) return undefined;
    if (this.pending[0] === 0x24) return this.takeInterleaved();
    return this.takeHead();
  }

  private takeInterleaved(): ParserEvent | undefined {
    if (this.pending.length < 4) return undefined;
    const channel = this.pending[1]!;
    const length = this.pending.readUInt16BE(2);
    if (this.pending.length < 4 + length) return undefined;
    const payload = Buffer.from(this.pending.subarray(4, 4 + length));
    this.pending = this.pending.subarray(4 + length);
    return { type: 'interleaved', channel, payload };
  }

  private takeHead(): ParserEvent | undefined {
    const end = findHeadEnd(this.pending, this.limits.maxHeaderBytes);
    if (end === undefined) {
      if (this.pending.length > this.limits.maxHeaderBytes) {
        return {
          type: 'error',
          status: 431,
          message: `request head over ${this.limits.maxHeaderBytes} bytes`,
        };
      }
      // A request that does not start with a method token is refused at once, without waiting for
      // (or buffering) the rest of whatever it is.
      if (!startsWithMethod(this.pending))
        return { type: 'error', status: 400, message: 'not an RTSP request' };
      return undefined;
    }
    const text = this.pending.subarray(0, end.headEnd).toString('latin1');
    this.pending = this.pending.subarray(end.bodyStart);
    const lines = text.split(/\r?\n/);
    const requestLine = (lines.shift() ?? '').split(' ');
    if (requestLine.length !== 3) return { type: 'error', status: 400, message: 'malformed request line' };
    const [method, uri, version] = requestLine as [string, string, string];
    if (!METHOD.test(method) || uri.length === 0) {
      return { type: 'error', status: 400, message: 'malformed request line' };
    }
    if (!/^RTSP\/\d\.\d$/.test(version))
      return { type: 'error', status: 400, message: 'not an RTSP request' };
    if (version !== 'RTSP/1.0')
      return { type: 'error', status: 505, message: `unsupported version ${version}` };
    const headers: RtspHeaders = [];
    for (const line of lines) {
      if (/^[ \t]/.test(line) && headers.length > 0) {
        // RFC 2616 §2.2 folded continuation line
        const last = headers[headers.length - 1]!;
        last[1] = `${last[1]} ${line.trim()}`;
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) return { type: 'error', status: 400, message: 'malformed header line' };
      headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
      if (headers.length > this.limits.maxHeaders) {
        return { type: 'error', status: 431, message: `more than ${this.limits.maxHeaders} headers` };
      }
    }
    const lengthHeader = headers.find(([k]) => k.toLowerCase() === 'content-length')?.[1];
    let bodyLength = 0;
    if (lengthHeader !== undefined) {
      if (!/^\d{1,10}$/.test(lengthHeader))
        return { type: 'error', status: 400, message: 'bad Content-Length' };
      bodyLength = Number(lengthHeader);
      if (bodyLength > this.limits.maxBodyBytes) {
        return { type: 'error', status: 413, message: `body over ${this.limits.maxBodyBytes} bytes` };
      }
    }
    this.head = { request: { method, uri, version, headers }, bodyLength };
    return this.takeBody();
  }

  private takeBody(): ParserEvent | undefined {
    const head = this.head!;
    if (this.pending.length < head.bodyLength) return undefined;
    const body = Buffer.from(this.pending.subarray(0, head.bodyLength));
    this.pending = this.pending.subarray(head.bodyLength);
    this.head = undefined;
    return { type: 'request', request: { ...head.request, body } };
  }
}

/** Position of the blank line ending a head (CRLF CRLF, or bare LF LF from sloppy clients). */
function findHeadEnd(buf: Buffer, limit: number): { headEnd: number; bodyStart: number } | undefined {
  const scan = buf.subarray(0, Math.min(buf.length, limit + 4));
  const crlf = scan.indexOf('\r\n\r\n');
  const lf = scan.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { headEnd: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) return { headEnd: lf, bodyStart: lf + 2 };
  return undefined;
}

/** true while the bytes so far can still be `METHOD SP ...` (upper case, `_` or `-`, at most 32). */
function startsWithMethod(buf: Buffer): boolean {
  const n = Math.min(buf.length, 33);
  for (let i = 0; i < n; i++) {
    const c = buf[i]!;
    if (c === 0x20) return i > 0;
    const ok = (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x2d;
    if (!ok) return false;
  }
  return buf.length < 33;
}
