/**
 * kadr's RTSP 1.0 server (RFC 2326): connections, sessions, CSeq, Digest auth, session timeouts and
 * the limits that keep a hostile or broken peer from hurting other clients. Media comes from the
 * RtspServerHandler the application passes in; this module never touches files or codecs.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { type Logger, silentLogger } from '../core/logger.js';
import { AuthThrottle, type AuthThrottleOptions } from './auth-throttle.js';
import { DigestAuth, type DigestCredentials } from './digest-auth.js';
import type { RtspServerHandler } from './handler.js';
import { parseReceiverReports, splitCompoundRtcp } from '../rtp/index.js';
import { type ConnectionLimits, RtspConnection, type RtspConnectionHost } from './rtsp-connection.js';
import { RtspSession } from './rtsp-session.js';
import { defaultParserLimits, type RequestParserLimits } from './request-parser.js';
import { normalizeAddress } from './reply.js';
import { openUdpPair, type UdpPair } from './udp-pair.js';

export interface RtspServerOptions {
  handler: RtspServerHandler;
  host?: string;
  /** 0 picks a free port (tests). */
  port?: number;
  /** Even UDP port for RTP (RTCP on the next one); 0 picks a free pair. */
  udpRtpPort?: number;
  auth?: DigestCredentials;
  /** How repeated authentication failures from one address are slowed down (see AuthThrottle). */
  authThrottle?: AuthThrottleOptions;
  logger?: Logger;
  /** Seconds without a request or RTCP from a client before its session ends (RFC 2326 §12.37). */
  sessionTimeoutSec?: number;
  /** A connection with nothing playing over it is closed after this long without a request (60 s). */
  idleTimeoutMs?: number;
  /** A request must be complete this long after its first byte (10 s), or the client gets 408. */
  requestTimeoutMs?: number;
  /**
   * Open connections in all (1024). When full, a new connection takes the place of the oldest one
   * that has no session yet, so a flood of idle connections cannot lock real clients out and
   * sessions already set up are never cut.
   */
  maxConnections?: number;
  /** Open connections from one client address (64); more are refused at once. */
  maxConnectionsPerAddress?: number;
  maxSessions?: number;
  /** Requests received but not yet answered on one connection (pipelining). */
  maxPendingRequests?: number;
  /**
   * Bytes queued on a TCP connection past which its viewer is behind and skips whole access units to
   * the next keyframe (4 MiB; at most half of maxTcpBacklogBytes).
   */
  tcpSkipBacklogBytes?: number;
  /** Bytes queued on a TCP connection past which it is dropped (16 MiB; media that cannot skip). */
  maxTcpBacklogBytes?: number;
  /** A TCP viewer that is behind and reads nothing at all for this long is dropped (30 s). */
  tcpStallTimeoutMs?: number;
  parserLimits?: RequestParserLimits;
}

export type ResolvedServerOptions = Required<Omit<RtspServerOptions, 'auth' | 'authThrottle'>> & {
  auth: DigestAuth | undefined;
};

export class RtspServer implements RtspConnectionHost {
  readonly options: ResolvedServerOptions;
  readonly sessions = new Map<string, RtspSession>();
  readonly authThrottle: AuthThrottle;
  /** Oldest first (a Set keeps insertion order), for eviction. */
  private readonly connections = new Set<RtspConnection>();
  private readonly connectionsPerAddress = new Map<string, number>();
  private readonly tcp: net.Server;
  private udp: UdpPair | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private closing = false;
  /** Counters for tests and logs: how often each defence fired. */
  readonly stats = {
    connections: 0,
    refusedConnections: 0,
    /** Connections without a session closed to make room for a new one. */
    evictedConnections: 0,
    /** Connections closed because a request did not complete within requestTimeoutMs. */
    requestTimeouts: 0,
    /** Connections closed for idleTimeoutMs without a request. */
    idleClosed: 0,
    /** Requests with credentials that failed (answered 401 after the throttle's delay). */
    authFailures: 0,
    protocolErrors: 0,
    /** TCP connections dropped because their viewer took nothing (or could not skip). */
    overflows: 0,
    /** Times a TCP viewer that fell behind skipped ahead to a keyframe. */
    viewerSkips: 0,
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
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      maxConnections: options.maxConnections ?? 1024,
      maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? 64,
      maxSessions: options.maxSessions ?? 512,
      maxPendingRequests: options.maxPendingRequests ?? 16,
      tcpSkipBacklogBytes: options.tcpSkipBacklogBytes ?? 4 * 1024 * 1024,
      maxTcpBacklogBytes: options.maxTcpBacklogBytes ?? 16 * 1024 * 1024,
      tcpStallTimeoutMs: options.tcpStallTimeoutMs ?? 30_000,
      parserLimits: options.parserLimits ?? defaultParserLimits,
    };
    this.authThrottle = new AuthThrottle(options.authThrottle);
    this.tcp = net.createServer((socket) => this.accept(socket));
  }

  get log(): Logger {
    return this.options.logger;
  }

  get handler(): RtspServerHandler {
    return this.options.handler;
  }

  get auth(): DigestAuth | undefined {
    return this.options.auth;
  }

  get limits(): ConnectionLimits {
    return this.options;
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
    const address = normalizeAddress(socket.remoteAddress ?? '');
    const fromAddress = this.connectionsPerAddress.get(address) ?? 0;
    if (
      this.closing ||
      fromAddress >= this.options.maxConnectionsPerAddress ||
      (this.connections.size >= this.options.maxConnections && !this.evictOneWithoutSession())
    ) {
      this.stats.refusedConnections++;
      socket.destroy();
      return;
    }
    this.stats.connections++;
    const connection = new RtspConnection(this, socket);
    this.connections.add(connection);
    this.connectionsPerAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      this.connections.delete(connection);
      const left = (this.connectionsPerAddress.get(address) ?? 1) - 1;
      if (left > 0) this.connectionsPerAddress.set(address, left);
      else this.connectionsPerAddress.delete(address);
      // Interleaved sessions cannot outlive their connection: their media has nowhere else to go.
      for (const s of [...this.sessions.values()]) {
        if (s.connection !== socket) continue;
        if (s.interleaved || s.tracks.size === 0) this.destroySession(s, 'connection closed');
        else s.connection = undefined;
      }
    });
  }

  /** Closes the oldest connection that has set up no session; false when every one has. */
  private evictOneWithoutSession(): boolean {
    const withSession = new Set<net.Socket | undefined>();
    for (const s of this.sessions.values()) withSession.add(s.connection);
    for (const c of this.connections) {
      if (withSession.has(c.socket) || c.socket.destroyed) continue;
      this.connections.delete(c); // its 'close' comes later; the slot is free now
      c.socket.destroy();
      this.stats.evictedConnections++;
      this.log.debug('connection without a session closed to make room', { remote: c.remoteAddress });
      return true;
    }
    return false;
  }

  session(id: string): RtspSession | undefined {
    return this.sessions.get(id);
  }

  openSession(path: string, socket: net.Socket, remoteAddress: string): RtspSession | undefined {
    if (this.sessions.size >= this.options.maxSessions) return undefined;
    const session = new RtspSession(randomBytes(8).toString('hex'), path, socket, remoteAddress, Date.now());
    this.sessions.set(session.id, session);
    return session;
  }

  forgetSession(session: RtspSession): void {
    session.close();
    this.sessions.delete(session.id);
  }

  playsOver(socket: net.Socket): boolean {
    for (const s of this.sessions.values()) if (s.connection === socket && s.state === 'playing') return true;
    return false;
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
