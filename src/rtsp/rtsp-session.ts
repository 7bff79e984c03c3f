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
  /** The sequence number the client sees for the sender's `seq` (RTP-Info of a later PLAY). */
  rtpInfoSeq(seq: number): number {
    return seq;
  }
  close(): void {
    this.closed = true;
  }
}

export interface BacklogLimits {
  /** Queued bytes past which a viewer is behind: whole access units are skipped to the next keyframe. */
  skipBacklogBytes: number;
  /** Queued bytes past which the connection is dropped (a stream that cannot skip, having no keyframe flags). */
  maxBacklogBytes: number;
  /** A viewer that is behind and has read nothing for this long is dropped. */
  stallTimeoutMs: number;
}

export interface BacklogEvents {
  /** The viewer caught up at a keyframe after `skippedUnits` access units were left out. */
  onSkip(skippedUnits: number): void;
  /** The connection must be dropped; `reason` says why, for the log. */
  onOverflow(reason: string): void;
}

/**
 * RTP/AVP/TCP: `$ channel length payload` frames on the control connection (RFC 2326 §10.12).
 *
 * A viewer whose link is slower than the stream makes the socket's queue grow. Past `skipBacklogBytes`
 * it is behind: whole access units are left out until a keyframe arrives with the queue drained to half
 * that, so it sees a jump to a keyframe (and an RTP sequence gap, which tells its depacketizer that
 * packets were lost) instead of an ever later picture or a cut connection. Skips are counted. Only a
 * viewer that reads nothing at all for `stallTimeoutMs`, or a queue past `maxBacklogBytes` (packets
 * sent without keyframe flags cannot be skipped), drops the connection: memory per connection stays
 * bounded and the others keep being served.
 */
export class InterleavedSink extends SessionSink {
  constructor(
    private readonly socket: Socket,
    private readonly rtpChannel: number,
    private readonly rtcpChannel: number | undefined,
    private readonly limits: BacklogLimits,
    private readonly events: BacklogEvents,
  ) {
    super();
  }

  /** Times the viewer fell behind and caught up again at a keyframe. */
  skips = 0;
  skippedUnits = 0;
  /** Access units left out in the current episode; undefined while the viewer keeps up. */
  private skipping: number | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private stallBacklog = 0;
  /**
   * RTP packets left out so far (mod 2^16), taken off every later sequence number: the viewer sees an
   * unbroken sequence and a timestamp jump to a keyframe. A gap would read as loss, and one of more
   * than 3,000 packets as a restarted source (RFC 3550 §A.1), whose first packet, the keyframe's,
   * FFmpeg then throws away.
   */
  private seqShift = 0;

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
    if (this.socket.writableLength > this.limits.maxBacklogBytes) {
      this.overflow(`${this.socket.writableLength} bytes queued`);
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
    if (channel === this.rtpChannel && this.seqShift !== 0) this.shiftSeq(out, at + 4);
    this.packetsSent++;
    this.bytesSent += packet.length;
    if (!this.corked) this.write(out);
  }

  sendRtp(packet: Buffer): void {
    this.frame(this.rtpChannel, packet);
  }

  private overflow(reason: string): void {
    this.close();
    this.events.onOverflow(reason);
  }

  /** Whether this access unit is left out because the viewer is behind (see the class comment). */
  private behind(keyframe: boolean): boolean {
    const queued = this.socket.writableLength;
    if (this.skipping === undefined) {
      if (queued <= this.limits.skipBacklogBytes) return false;
      this.skipping = 0;
      this.stallBacklog = queued;
      this.watchStall();
    } else if (keyframe && queued <= this.limits.skipBacklogBytes / 2) {
      const skipped = this.skipping;
      this.skipping = undefined;
      clearTimeout(this.stallTimer);
      this.skips++;
      this.skippedUnits += skipped;
      this.events.onSkip(skipped);
      return false;
    }
    this.skipping++;
    return true;
  }

  /** Rewrites the sequence number of the RTP packet copied at `at` (see seqShift). */
  private shiftSeq(buf: Buffer, at: number): void {
    buf.writeUInt16BE((buf.readUInt16BE(at + 2) - this.seqShift) & 0xffff, at + 2);
  }

  override rtpInfoSeq(seq: number): number {
    return (seq - this.seqShift) & 0xffff;
  }

  /** While behind: a queue that has not shrunk for stallTimeoutMs is a viewer that reads nothing. */
  private watchStall(): void {
    this.stallTimer = setTimeout(() => {
      if (this.closed || this.skipping === undefined) return;
      const queued = this.socket.writableLength;
      if (queued >= this.stallBacklog) {
        this.overflow(`read nothing for ${this.limits.stallTimeoutMs} ms, ${queued} bytes queued`);
        return;
      }
      this.stallBacklog = queued;
      this.watchStall();
    }, this.limits.stallTimeoutMs);
  }

  override close(): void {
    super.close();
    clearTimeout(this.stallTimer);
  }

  /** One access unit's packets into the batch in one pass (cork/uncork around it if not corked). */
  sendRtpPackets(data: Buffer, lengths: Uint16Array, keyframe?: boolean): void {
    if (this.closed || this.socket.destroyed) return;
    if (keyframe !== undefined && this.behind(keyframe)) {
      this.seqShift = (this.seqShift + lengths.length) & 0xffff;
      return;
    }
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
      if (this.seqShift !== 0) this.shiftSeq(batch, out + 4);
      out += 4 + length;
      from += length;
    }
    this.packetsSent += lengths.length;
    this.bytesSent += data.length;
    if (!corked) this.uncork();
  }

  sendFramedRtp(framed: Buffer, count: number, seqOffset: number, keyframe?: boolean): void {
    if (this.closed || this.socket.destroyed) return;
    if (keyframe !== undefined && this.behind(keyframe)) {
      this.seqShift = (this.seqShift + count) & 0xffff;
      return;
    }
    this.packetsSent += count;
    this.bytesSent += framed.length - 4 * count;
    const shift = (this.seqShift - seqOffset) & 0xffff;
    const corked = this.corked;
    this.corked = true;
    const start = this.reserve(framed.length);
    const batch = this.batch!;
    framed.copy(batch, start);
    if (shift !== 0 || this.rtpChannel !== 0) {
      for (let at = start, end = start + framed.length; at < end; at += 4 + batch.readUInt16BE(at + 2)) {
        batch[at + 1] = this.rtpChannel;
        if (shift !== 0) batch.writeUInt16BE((batch.readUInt16BE(at + 6) - shift) & 0xffff, at + 6);
      }
    }
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
