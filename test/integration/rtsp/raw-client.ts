/**
 * A deliberately simple RTSP client over a raw socket, for driving kadr's server through states and
 * into errors no real client would produce. Interleaved RTP/RTCP frames are collected as they arrive.
 */
import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
}

export interface InterleavedFrame {
  channel: number;
  payload: Buffer;
  atMs: number;
}

export class RawClient {
  readonly socket: net.Socket;
  private buf = Buffer.alloc(0);
  private waiters: ((r: RawResponse) => void)[] = [];
  readonly frames: InterleavedFrame[] = [];
  closed = false;
  private cseq = 0;
  readonly closedPromise: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d) => this.onData(d));
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => ((this.closed = true), resolve())),
    );
    socket.on('error', () => {});
  }

  /** `localAddress` (127.0.0.2 ...) makes the client come from another address of the loopback. */
  static connect(port: number, localAddress?: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1', localAddress }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      if (this.buf.length === 0) return;
      if (this.buf[0] === 0x24) {
        if (this.buf.length < 4) return;
        const len = this.buf.readUInt16BE(2);
        if (this.buf.length < 4 + len) return;
        this.frames.push({
          channel: this.buf[1]!,
          payload: Buffer.from(this.buf.subarray(4, 4 + len)),
          atMs: performance.now(),
        });
        this.buf = this.buf.subarray(4 + len);
        continue;
      }
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buf.subarray(0, end).toString('latin1').split('\r\n');
      const headers = new Map<string, string>();
      for (const l of head.slice(1))
        headers.set(l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim());
      const len = Number(headers.get('content-length') ?? 0);
      if (this.buf.length < end + 4 + len) return;
      const body = this.buf.subarray(end + 4, end + 4 + len).toString();
      this.buf = this.buf.subarray(end + 4 + len);
      const status = Number(head[0]!.split(' ')[1]);
      this.waiters.shift()?.({ status, headers, body });
    }
  }

  /** Next response; rejects when the server closes the connection first. */
  nextResponse(timeoutMs = 5000): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no response')), timeoutMs);
      const onClose = () => reject(new Error('connection closed'));
      this.socket.once('close', onClose);
      this.waiters.push((r) => {
        clearTimeout(timer);
        this.socket.off('close', onClose);
        resolve(r);
      });
    });
  }

  writeRaw(data: string | Buffer): void {
    this.socket.write(data);
  }

  request(method: string, uri: string, headers: Record<string, string> = {}): Promise<RawResponse> {
    const lines = [
      `${method} ${uri} RTSP/1.0`,
      `CSeq: ${++this.cseq}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    const response = this.nextResponse();
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    return response;
  }

  /** RTP packets (even channel) received so far. */
  rtp(channel = 0): { seq: number; ts: number; marker: boolean; ssrc: number; atMs: number }[] {
    return this.frames
      .filter((f) => f.channel === channel && f.payload.length >= 12)
      .map((f) => ({
        seq: f.payload.readUInt16BE(2),
        ts: f.payload.readUInt32BE(4),
        marker: (f.payload[1]! & 0x80) !== 0,
        ssrc: f.payload.readUInt32BE(8),
        atMs: f.atMs,
      }));
  }

  close(): void {
    this.socket.destroy();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Lets `upstream`'s bytes through at `bytesPerSec` on average, by pausing it between chunks. */
export function throttle(upstream: net.Socket, bytesPerSec: number, onData: (chunk: Buffer) => void): void {
  const t0 = performance.now();
  let bytes = 0;
  upstream.on('data', (chunk: Buffer) => {
    onData(chunk);
    bytes += chunk.length;
    const aheadMs = (bytes / bytesPerSec) * 1000 - (performance.now() - t0);
    if (aheadMs > 5) {
      upstream.pause();
      setTimeout(() => upstream.resume(), aheadMs);
    }
  });
}

/** H.264 NAL type an RTP payload starts with (the first of a STAP-A, the one an FU-A carries). */
export function firstNalType(payload: Buffer): number {
  const type = payload[12]! & 0x1f;
  if (type === 24) return payload[15]! & 0x1f;
  if (type === 28) return payload[13]! & 0x1f;
  return type;
}
