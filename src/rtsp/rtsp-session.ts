/**
 * One RTSP session (RFC 2326 §3.1, §A.1 server state machine): Init → Ready (after SETUP) → Playing
 * (after PLAY) ⇄ Ready (PAUSE), and gone after TEARDOWN or timeout. It owns the transports of its
 * tracks and the sinks handed to the application.
 */
import type { Socket } from 'node:net';
import type { RtpSink } from './handler.js';
import type { TransportSpec } from './transport.js';
import type { UdpPair } from './udp-pair.js';

export type SessionState = 'ready' | 'playing';

export interface SessionTrack {
  track: string;
  transport: TransportSpec;
  sink: SessionSink;
}

export class RtspSession {
  state: SessionState = 'ready';
  lastSeenMs: number;
  readonly tracks = new Map<string, SessionTrack>();
  /** The control connection; a UDP session outlives it until its timeout (RFC 2326 §3.1). */
  connection: Socket | undefined;
  closed = false;

  constructor(
    readonly id: string,
    readonly path: string,
    connection: Socket,
    readonly remoteAddress: string,
    now: number,
  ) {
    this.connection = connection;
    this.lastSeenMs = now;
  }

  get interleaved(): boolean {
    for (const t of this.tracks.values()) if (t.transport.kind === 'tcp') return true;
    return false;
  }

  close(): void {
    this.closed = true;
    for (const t of this.tracks.values()) t.sink.close();
  }
}

/** A sink that writes to nothing once closed; concrete sinks below. */
export abstract class SessionSink implements RtpSink {
  closed = false;
  packetsSent = 0;
  bytesSent = 0;
  abstract sendRtp(packet: Buffer): void;
  abstract sendRtcp(packet: Buffer): void;
  close(): void {
    this.closed = true;
  }
}

/**
 * RTP/AVP/TCP: `$ channel length payload` frames on the control connection (RFC 2326 §10.12). A client
 * that stops reading would make the socket buffer grow without bound, so past `maxBacklogBytes`
 * the connection is dropped: memory per connection stays bounded and the others keep being served.
 */
export class InterleavedSink extends SessionSink {
  constructor(
    private readonly socket: Socket,
    private readonly rtpChannel: number,
    private readonly rtcpChannel: number | undefined,
    private readonly maxBacklogBytes: number,
    private readonly onOverflow: () => void,
  ) {
    super();
  }

  /** While corked, frames are copied into one buffer per batch, written by uncork(). */
  private batch: Buffer | undefined;
  private batchLength = 0;
  private corked = false;
  /**
   * Batch buffers the socket has flushed, for reuse: at 1080p one fresh 100 KB buffer per frame and
   * client made V8 collect garbage more than everything else the server does.
   */
  private spare: Buffer[] = [];
  private batchHint = 64 * 1024;

  cork(): void {
    this.corked = true;
  }

  uncork(): void {
    this.corked = false;
    const batch = this.batch;
    const length = this.batchLength;
    this.batch = undefined;
    this.batchLength = 0;
    if (!batch || length === 0 || this.closed || this.socket.destroyed) return;
    this.batchHint = Math.max(this.batchHint, length);
    // The buffer belongs to the socket until flushed; then it comes back for a later batch.
    this.write(batch.subarray(0, length), () => {
      if (this.spare.length < 4 && batch.length >= this.batchHint) this.spare.push(batch);
    });
  }

  private write(bytes: Buffer, flushed?: () => void): void {
    if (this.socket.writableLength > this.maxBacklogBytes) {
      this.closed = true;
      this.onOverflow();
      return;
    }
    this.socket.write(bytes, flushed && ((error) => error || flushed()));
  }

  private newBatch(atLeast: number): Buffer {
    const reused = this.spare.pop();
    if (reused && reused.length >= atLeast) return reused;
    return Buffer.allocUnsafe(Math.max(this.batchHint * 2, atLeast));
  }

  /** Room for `size` more bytes at the end of the batch; returns where they go. */
  private reserve(size: number): number {
    if (!this.batch || this.batch.length - this.batchLength < size) {
      const grown = this.newBatch((this.batchLength + size) * 2);
      if (this.batch) this.batch.copy(grown, 0, 0, this.batchLength);
      this.batch = grown;
    }
    const at = this.batchLength;
    this.batchLength += size;
    return at;
  }

  private frame(channel: number, packet: Buffer): void {
    if (this.closed || this.socket.destroyed) return;
    const size = 4 + packet.length;
    let out: Buffer;
    let at = 0;
    if (this.corked) {
      at = this.reserve(size);
      out = this.batch!;
    } else out = Buffer.allocUnsafe(size);
    out[at] = 0x24;
    out[at + 1] = channel;
    out.writeUInt16BE(packet.length, at + 2);
    packet.copy(out, at + 4);
    this.packetsSent++;
    this.bytesSent += packet.length;
    if (!this.corked) this.write(out);
  }

  sendRtp(packet: Buffer): void {
    this.frame(this.rtpChannel, packet);
  }

  /** One access unit's packets into the batch in one pass (cork/uncork around it if not corked). */
  sendRtpPackets(data: Buffer, lengths: Uint16Array): void {
    if (this.closed || this.socket.destroyed) return;
    const corked = this.corked;
    this.corked = true;
    let out = this.reserve(data.length + 4 * lengths.length);
    const batch = this.batch!;
    let from = 0;
    for (let i = 0; i < lengths.length; i++) {
      const length = lengths[i]!;
      batch[out] = 0x24;
      batch[out + 1] = this.rtpChannel;
      batch.writeUInt16BE(length, out + 2);
      data.copy(batch, out + 4, from, from + length);
      out += 4 + length;
      from += length;
    }
    this.packetsSent += lengths.length;
    this.bytesSent += data.length;
    if (!corked) this.uncork();
  }

  sendRtcp(packet: Buffer): void {
    if (this.rtcpChannel !== undefined) this.frame(this.rtcpChannel, packet);
  }
}

/** RTP/AVP over UDP from the server's port pair to the client's, never to a third address. */
export class UdpSink extends SessionSink {
  constructor(
    private readonly udp: UdpPair,
    private readonly address: string,
    private readonly rtpPort: number,
    private readonly rtcpPort: number,
  ) {
    super();
  }

  sendRtp(packet: Buffer): void {
    if (this.closed) return;
    // dgram keeps the buffer until the datagram left; the caller's may be reused at once
    this.udp.rtp.send(Buffer.from(packet), this.rtpPort, this.address);
    this.packetsSent++;
    this.bytesSent += packet.length;
  }

  sendRtcp(packet: Buffer): void {
    if (this.closed) return;
    this.udp.rtcp.send(packet, this.rtcpPort, this.address);
  }
}
