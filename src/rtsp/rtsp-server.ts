/**
 * kadr's RTSP 1.0 server (RFC 2326): connections, sessions, CSeq, Digest auth, session timeouts and
 * the limits that keep a hostile or broken peer from hurting other clients. Media comes from the
 * RtspServerHandler the application passes in; this module never touches files or codecs.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { type Logger, silentLogger } from '../core/logger.js';
import { DigestAuth, type DigestCredentials } from './digest-auth.js';
import type { RtspServerHandler } from './handler.js';
import { header, type RtspRequest, type RtspResponse, serializeResponse } from './message.js';
import { parseReceiverReports, splitCompoundRtcp } from '../rtp/rtcp-packets.js';
import { RtspConnection } from './rtsp-connection.js';
import type { RtspSession } from './rtsp-session.js';
import { defaultParserLimits, type RequestParserLimits } from './request-parser.js';
import { openUdpPair, type UdpPair } from './udp-pair.js';

export interface RtspServerOptions {
  handler: RtspServerHandler;
  host?: string;
  /** 0 picks a free port (tests). */
  port?: number;
  /** Even UDP port for RTP (RTCP on the next one); 0 picks a free pair. */
  udpRtpPort?: number;
  auth?: DigestCredentials;
  logger?: Logger;
  /** Seconds without a request or RTCP from a client before its session ends (RFC 2326 §12.37). */
  sessionTimeoutSec?: number;
  /** A connection with nothing playing over it is closed after this long without a byte. */
  idleTimeoutMs?: number;
  maxConnections?: number;
  maxSessions?: number;
  /** Requests received but not yet answered on one connection (pipelining). */
  maxPendingRequests?: number;
  /** Bytes queued on a TCP connection before a client that does not read is dropped. */
  maxTcpBacklogBytes?: number;
  parserLimits?: RequestParserLimits;
}

export type ResolvedServerOptions = Required<Omit<RtspServerOptions, 'auth'>> & {
  auth: DigestAuth | undefined;
};

export const PUBLIC_METHODS = 'OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER';

export class RtspServer {
  readonly options: ResolvedServerOptions;
  readonly sessions = new Map<string, RtspSession>();
  private readonly connections = new Set<RtspConnection>();
  private readonly tcp: net.Server;
  private udp: UdpPair | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private closing = false;
  /** Counters for tests and logs: how often each defence fired. */
  readonly stats = {
    connections: 0,
    refusedConnections: 0,
    protocolErrors: 0,
    overflows: 0,
    timeouts: 0,
    /** RTP packets sent to sessions that have ended. */
    rtpPacketsSent: 0,
  };

  constructor(options: RtspServerOptions) {
    this.options = {
      handler: options.handler,
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 8554,
      udpRtpPort: options.udpRtpPort ?? 0,
      auth: options.auth ? new DigestAuth(options.auth) : undefined,
      logger: options.logger ?? silentLogger,
      sessionTimeoutSec: options.sessionTimeoutSec ?? 60,
      idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
      maxConnections: options.maxConnections ?? 1024,
      maxSessions: options.maxSessions ?? 512,
      maxPendingRequests: options.maxPendingRequests ?? 16,
      maxTcpBacklogBytes: options.maxTcpBacklogBytes ?? 16 * 1024 * 1024,
      parserLimits: options.parserLimits ?? defaultParserLimits,
    };
    this.tcp = net.createServer((socket) => this.accept(socket));
  }

  get log(): Logger {
    return this.options.logger;
  }

  get udpPair(): UdpPair | undefined {
    return this.udp;
  }

  /** Starts listening; resolves with the bound TCP port and UDP RTP port. */
  async listen(): Promise<{ port: number; udpRtpPort: number }> {
    const { host, port } = this.options;
    this.udp = await openUdpPair(host, this.options.udpRtpPort);
    this.udp.rtcp.on('message', (msg, rinfo) => this.onUdpRtcp(msg, rinfo.address, rinfo.port));
    // RTP arriving at the server (FFmpeg's NAT punch packets) is read and ignored.
    this.udp.rtp.on('message', () => {});
    await new Promise<void>((resolve, reject) => {
      this.tcp.once('error', (e) => {
        this.udp?.close(); // the port pair must not outlive a failed start
        reject(e);
      });
      this.tcp.listen({ host, port }, () => {
        this.tcp.removeAllListeners('error');
        // after start-up (a bind failure is thrown to the caller instead), errors are logged
        this.tcp.on('error', (e) => this.log.error('rtsp listener error', { error: String(e) }));
        resolve();
      });
    });
    const interval = Math.min(5000, (this.options.sessionTimeoutSec * 1000) / 4);
    this.sweeper = setInterval(() => this.sweep(), interval);
    this.sweeper.unref();
    const bound = (this.tcp.address() as net.AddressInfo).port;
    this.log.info('rtsp server listening', { host, port: bound, udpRtpPort: this.udp.rtpPort });
    return { port: bound, udpRtpPort: this.udp.rtpPort };
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const s of [...this.sessions.values()]) this.destroySession(s, 'server closing');
    for (const c of this.connections) c.socket.destroy();
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    this.udp?.close();
  }

  private accept(socket: net.Socket): void {
    if (this.closing || this.connections.size >= this.options.maxConnections) {
      this.stats.refusedConnections++;
      socket.destroy();
      return;
    }
    this.stats.connections++;
    const connection = new RtspConnection(this, socket);
    this.connections.add(connection);
    socket.once('close', () => {
      this.connections.delete(connection);
      // Interleaved sessions cannot outlive their connection: their media has nowhere else to go.
      for (const s of [...this.sessions.values()]) {
        if (s.connection !== socket) continue;
        if (s.interleaved || s.tracks.size === 0) this.destroySession(s, 'connection closed');
        else s.connection = undefined;
      }
    });
  }

  newSessionId(): string {
    return randomBytes(8).toString('hex');
  }

  destroySession(session: RtspSession, reason: string): void {
    if (session.closed) return;
    session.close();
    for (const t of session.tracks.values()) this.stats.rtpPacketsSent += t.sink.packetsSent;
    this.sessions.delete(session.id);
    this.log.debug('session closed', { session: session.id, path: session.path, reason });
    try {
      this.options.handler.onTeardown({ sessionId: session.id, path: session.path });
    } catch (e) {
      this.log.error('teardown handler failed', { session: session.id, error: String(e) });
    }
  }

  /** RTCP from a UDP client (receiver reports) proves it is alive (RFC 2326 §12.37). */
  private onUdpRtcp(msg: Buffer, address: string, port: number): void {
    if (!splitCompoundRtcp(msg)) return;
    for (const s of this.sessions.values()) {
      if (normalizeAddress(s.remoteAddress) !== normalizeAddress(address)) continue;
      for (const t of s.tracks.values()) {
        if (t.transport.kind === 'udp' && t.transport.clientRtcpPort === port) {
          s.lastSeenMs = Date.now();
          const rr = parseReceiverReports(msg)[0]?.blocks[0];
          if (rr)
            this.log.debug('receiver report', { session: s.id, lost: rr.cumulativeLost, jitter: rr.jitter });
          return;
        }
      }
    }
  }

  private sweep(): void {
    const now = Date.now();
    const limitMs = this.options.sessionTimeoutSec * 1000;
    for (const s of [...this.sessions.values()]) {
      // An interleaved session that plays is bound to its live connection; everything else needs
      // requests or RTCP within the timeout.
      if (s.interleaved && s.state === 'playing' && s.connection && !s.connection.destroyed) continue;
      if (now - s.lastSeenMs > limitMs) {
        this.stats.timeouts++;
        this.destroySession(s, 'timeout');
      }
    }
  }
}

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
