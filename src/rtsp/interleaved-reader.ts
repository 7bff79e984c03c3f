/**
 * What an RTSP client reads from its TCP connection (RFC 2326 §10.12): RTSP messages (responses,
 * sometimes a request from the server) mixed with interleaved binary frames
 *   '$' <channel: 1 byte> <length: 2 bytes, big-endian> <length bytes: one RTP or RTCP packet>.
 * Chunks are parsed where they lie: a frame is handed over as a view into the chunk (no copy); only a
 * frame or message split across two reads is joined.
 */
import type { RtspHeaders } from './message.js';

export interface RtspIncomingMessage {
  /** The first line: `RTSP/1.0 200 OK`, or a request line from the server. */
  startLine: string;
  status: number | null;
  headers: RtspHeaders;
  body: Buffer;
}

const MAX_HEADER_BYTES = 64 * 1024;
const MAX_BODY_BYTES = 1024 * 1024;

export class InterleavedReader {
  private rest: Buffer | null = null;

  constructor(
    private readonly onFrame: (channel: number, data: Buffer) => void,
    private readonly onMessage: (message: RtspIncomingMessage) => void,
  ) {}

  /** Parses a chunk; throws on a stream that is neither RTSP nor interleaved data. */
  push(chunk: Buffer): void {
    let buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = null;
    let at = 0;
    while (at < buf.length) {
      if (buf[at] === 0x24) {
        if (buf.length - at < 4) break;
        const length = buf.readUInt16BE(at + 2);
        if (buf.length - at < 4 + length) break;
        this.onFrame(buf[at + 1]!, buf.subarray(at + 4, at + 4 + length));
        at += 4 + length;
        continue;
      }
      const used = this.message(buf, at);
      if (used === 0) break;
      at += used;
    }
    if (at < buf.length) {
      buf = buf.subarray(at);
      if (buf.length > MAX_HEADER_BYTES + MAX_BODY_BYTES) throw new Error('RTSP message too large');
      // Copy the remainder: keeping a view would pin the whole chunk until the next read.
      this.rest = Buffer.from(buf);
    }
  }

  /** Parses one RTSP message at `at`; returns the bytes it used, 0 when it is not complete yet. */
  private message(buf: Buffer, at: number): number {
    const end = buf.indexOf('\r\n\r\n', at, 'latin1');
    if (end < 0) {
      if (buf.length - at > MAX_HEADER_BYTES) throw new Error('RTSP header too large');
      return 0;
    }
    const lines = buf.toString('latin1', at, end).split('\r\n');
    const startLine = lines[0]!.trim();
    if (!/^RTSP\/\d\.\d\s+\d{3}/.test(startLine) && !/^[A-Z_]+\s+\S+\s+RTSP\/\d\.\d$/.test(startLine)) {
      throw new Error(`not an RTSP message: ${JSON.stringify(startLine.slice(0, 40))}`);
    }
    const headers: RtspHeaders = [];
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    }
    const lengthHeader = headers.find(([k]) => k.toLowerCase() === 'content-length')?.[1];
    const length = lengthHeader ? Number(lengthHeader) : 0;
    if (!Number.isInteger(length) || length < 0 || length > MAX_BODY_BYTES) {
      throw new Error(`bad Content-Length ${lengthHeader}`);
    }
    const bodyStart = end + 4;
    if (buf.length < bodyStart + length) return 0;
    const status = startLine.startsWith('RTSP/') ? Number(startLine.split(/\s+/)[1]) : null;
    this.onMessage({
      startLine,
      status,
      headers,
      body: Buffer.from(buf.subarray(bodyStart, bodyStart + length)),
    });
    return bodyStart + length - at;
  }
}
