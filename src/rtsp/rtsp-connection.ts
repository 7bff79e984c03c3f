/**
 * One client TCP connection: parses requests, answers them strictly in order (RFC 2326 §9.1 allows
 * pipelining), routes interleaved RTCP to its session, and enforces the per-connection limits.
 */
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../core/logger.js';
import type { AuthThrottle } from './auth-throttle.js';
import type { DigestAuth } from './digest-auth.js';
import { type RtspMount, type RtspServerHandler, RtspStatusError } from './handler.js';
import { header, type RtspRequest } from './message.js';
import { formatNptRange, parseNptRange } from './range.js';
import { type RequestParserLimits, RtspRequestParser } from './request-parser.js';
import { parseRequestTarget } from './request-target.js';
import type { RtspSession } from './rtsp-session.js';
import { InterleavedSink, type SessionSink, UdpSink } from './rtsp-session.js';
import { normalizeAddress, PUBLIC_METHODS, reply } from './reply.js';
import { splitCompoundRtcp } from '../rtp/index.js';
import { chooseTransport, formatTransport, type TransportSpec } from './transport.js';
import type { UdpPair } from './udp-pair.js';

/** The limits a connection enforces on its client. */
export interface ConnectionLimits {
  /**
   * A connection with nothing playing over it is closed after this long without a whole request (or
   * RTCP on an interleaved channel): bytes alone do not count, so a trickle does not keep it open.
   */
  idleTimeoutMs: number;
  /** A request (or interleaved frame) must be complete this long after its first byte arrived. */
  requestTimeoutMs: number;
  /** Requests received but not yet answered (pipelining). */
  maxPendingRequests: number;
  /** Bytes queued on a TCP connection past which its viewer skips to the next keyframe. */
  tcpSkipBacklogBytes: number;
  /** Bytes queued on a TCP connection past which it is dropped (media that cannot skip). */
  maxTcpBacklogBytes: number;
  /** A TCP viewer that is behind and reads nothing for this long is dropped. */
  tcpStallTimeoutMs: number;
  parserLimits: RequestParserLimits;
  /** Announced in the Session header of SETUP (RFC 2326 §12.37). */
  sessionTimeoutSec: number;
}

/**
 * What a connection needs from the server that accepted it, declared here by the consumer (as
 * MediaMTX's servers declare serverPathManager): the connection can be read, tested and changed
 * without the server's internals, and the server implements this.
 */
export interface RtspConnectionHost {
  readonly handler: RtspServerHandler;
  readonly auth: DigestAuth | undefined;
  /** Slows down repeated authentication failures per client address. */
  readonly authThrottle: AuthThrottle;
  readonly log: Logger;
  readonly limits: ConnectionLimits;
  /** Counters the connection adds to when a defence fires. */
  readonly stats: {
    protocolErrors: number;
    overflows: number;
    viewerSkips: number;
    requestTimeouts: number;
    idleClosed: number;
    authFailures: number;
  };
  /** The server's RTP/RTCP port pair (set once it listens). */
  readonly udpPair: UdpPair | undefined;
  session(id: string): RtspSession | undefined;
  /** A new session in state Ready, or undefined when the server holds as many as it may. */
  openSession(path: string, socket: Socket, remoteAddress: string): RtspSession | undefined;
  /** Forgets a session the handler never accepted: no teardown is sent for it. */
  forgetSession(session: RtspSession): void;
  /** Ends a session and tells the handler (teardown). */
  destroySession(session: RtspSession, reason: string): void;
  /** Whether a session plays over this socket. */
  playsOver(socket: Socket): boolean;
}

type Answer = { status: number; headers?: [string, string][]; body?: string; after?: () => void };

export class RtspConnection {
  private readonly parser: RtspRequestParser;
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  /** Interleaved channel → session, for RTCP the client sends back. */
  private readonly channels = new Map<number, RtspSession>();
  readonly remoteAddress: string;
  private idleTimer: NodeJS.Timeout | undefined;
  private requestTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly host: RtspConnectionHost,
    readonly socket: Socket,
  ) {
    this.parser = new RtspRequestParser(host.limits.parserLimits);
    this.remoteAddress = normalizeAddress(socket.remoteAddress ?? '');
    socket.setNoDelay(true);
    this.armIdleTimer();
    socket.on('error', () => {}); // resets from clients that vanish are normal; 'close' cleans up
    socket.on('data', (chunk) => this.onData(chunk));
    socket.once('close', () => {
      clearTimeout(this.idleTimer);
      clearTimeout(this.requestTimer);
    });
  }

  /** Restarted by each whole request or RTCP frame, never by bytes alone. */
  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      // Idle: keep connections that carry playing media; anything else is a forgotten or hostile one.
      if (this.host.playsOver(this.socket)) return this.armIdleTimer();
      this.host.stats.idleClosed++;
      this.socket.destroy();
    }, this.host.limits.idleTimeoutMs);
  }

  /**
   * A request whose bytes trickle in would hold the connection (and its slot) forever under an idle
   * timer alone, so each message has a deadline from its first byte: past it, 408 and close.
   */
  private onRequestTimeout(): void {
    this.requestTimer = undefined;
    if (this.socket.destroyed) return;
    this.host.stats.requestTimeouts++;
    this.host.log.debug('request not complete in time, closing', {
      remote: this.remoteAddress,
      bufferedBytes: this.parser.bufferedBytes,
    });
    this.socket.pause();
    this.socket.end(reply(undefined, 408), () => this.socket.destroy());
  }

  private onData(chunk: Buffer): void {
    let completed = false;
    for (const event of this.parser.push(chunk)) {
      if (event.type !== 'error') completed = true;
      if (event.type === 'interleaved') this.onInterleaved(event.channel, event.payload);
      else if (event.type === 'error') {
        this.host.stats.protocolErrors++;
        this.host.log.debug('protocol error, closing', {
          remote: this.remoteAddress,
          error: event.message,
        });
        this.enqueue(async () => {
          this.socket.end(reply(undefined, event.status));
        });
        this.socket.pause();
      } else {
        if (this.pending >= this.host.limits.maxPendingRequests) {
          this.host.stats.protocolErrors++;
          this.socket.destroy();
          return;
        }
        const request = event.request;
        this.armIdleTimer();
        this.enqueue(() => this.answer(request));
      }
    }
    if (completed) {
      clearTimeout(this.requestTimer);
      this.requestTimer = undefined;
    }
    if (this.parser.inMessage && !this.requestTimer && !this.socket.destroyed) {
      this.requestTimer = setTimeout(() => this.onRequestTimeout(), this.host.limits.requestTimeoutMs);
    }
  }

  private enqueue(task: () => Promise<void>): void {
    this.pending++;
    this.queue = this.queue
      .then(task)
      .catch((e: unknown) => this.host.log.error('request failed', { error: String(e) }))
      .finally(() => this.pending--);
  }

  private onInterleaved(channel: number, payload: Buffer): void {
    const session = this.channels.get(channel);
    if (!session || session.closed) return;
    // Only well-formed RTCP counts as a sign of life; garbage on a channel is dropped.
    if (splitCompoundRtcp(payload)) {
      session.lastSeenMs = Date.now();
      this.armIdleTimer();
    }
  }

  private async answer(request: RtspRequest): Promise<void> {
    if (this.socket.destroyed) return;
    let answer: Answer;
    try {
      answer = await this.dispatch(request);
    } catch (e) {
      if (e instanceof RtspStatusError) {
        answer = { status: e.status, headers: e.headers };
        this.host.log.debug('request refused', {
          method: request.method,
          status: e.status,
          error: e.message,
        });
      } else {
        this.host.log.error('request handler failed', { method: request.method, error: String(e) });
        answer = { status: 500 };
      }
    }
    if (this.socket.destroyed) return;
    this.host.log.debug('rtsp request', {
      remote: this.remoteAddress,
      method: request.method,
      uri: request.uri.slice(0, 200),
      status: answer.status,
    });
    this.socket.write(reply(request, answer.status, answer.headers ?? [], answer.body));
    answer.after?.();
  }

  private async dispatch(req: RtspRequest): Promise<Answer> {
    const cseq = header(req.headers, 'cseq');
    if (cseq === undefined || !/^\d{1,10}$/.test(cseq)) return { status: 400 };
    if (req.method === 'OPTIONS') return { status: 200, headers: [['Public', PUBLIC_METHODS]] };
    const sessionHeader = header(req.headers, 'session');
    const sessionId = sessionHeader?.split(';')[0]?.trim();
    const session = sessionId ? this.findSession(sessionId) : undefined;
    if (sessionId && !session) return { status: 454 };
    const auth = this.host.auth;
    if (auth) {
      const authorization = header(req.headers, 'authorization');
      const verdict = auth.verify(authorization, req.method, req.uri);
      // A nonce that expired while a session it opened plays is still accepted for that session, so
      // keep-alives of a long playback do not fail; new sessions need a fresh nonce.
      if (!verdict.ok || (verdict.nonceExpired && !session)) {
        const stale = verdict.ok || verdict.stale;
        if (!verdict.ok && authorization !== undefined) {
          // A failed attempt (wrong password, foreign nonce or uri, an algorithm kadr does not
          // implement) is answered later the more this address fails; the answer is still 401 with
          // a fresh challenge, which a client that offered MD5-sess can answer with plain MD5.
          this.host.stats.authFailures++;
          const delayMs = this.host.authThrottle.failed(this.remoteAddress);
          this.host.log.debug('authentication failed', {
            remote: this.remoteAddress,
            reason: verdict.reason,
            delayMs,
          });
          if (delayMs > 0) await sleep(delayMs);
        }
        return { status: 401, headers: [['WWW-Authenticate', auth.challenge(stale)]] };
      }
      if (verdict.ok) this.host.authThrottle.succeeded(this.remoteAddress);
    }
    if (session) session.lastSeenMs = Date.now();
    switch (req.method) {
      case 'DESCRIBE':
        return this.describe(req);
      case 'SETUP':
        return this.setup(req, session);
      case 'PLAY':
        return this.play(req, session);
      case 'PAUSE':
        return this.pause(session);
      case 'TEARDOWN':
        if (!session) return { status: 454 };
        this.host.destroySession(session, 'teardown');
        return { status: 200 };
      case 'GET_PARAMETER':
        return { status: 200, headers: session ? [['Session', session.id]] : [] };
      case 'ANNOUNCE':
      case 'RECORD':
      case 'SET_PARAMETER':
      case 'REDIRECT':
        return { status: 405, headers: [['Allow', PUBLIC_METHODS]] };
      default:
        return { status: 501 };
    }
  }

  private findSession(id: string): RtspSession | undefined {
    const s = this.host.session(id);
    if (!s) return undefined;
    // Interleaved sessions are controlled only over their own connection; UDP ones from anywhere the
    // client is (RFC 2326 §3.1), but only from the same address.
    if (s.interleaved && s.connection !== this.socket) return undefined;
    if (normalizeAddress(s.remoteAddress) !== this.remoteAddress) return undefined;
    return s;
  }

  private async mountFor(
    uri: string,
  ): Promise<{ path: string; track: string | undefined; mount: RtspMount }> {
    const target = parseRequestTarget(uri);
    if (!target) throw new RtspStatusError(400, `bad request URI ${uri.slice(0, 200)}`);
    const mount = await this.host.handler.onDescribe({ path: target.path });
    if (!mount) throw new RtspStatusError(404, `no mount ${target.path}`);
    return { ...target, mount };
  }

  private async describe(req: RtspRequest): Promise<Answer> {
    const accept = header(req.headers, 'accept');
    if (accept && !/application\/sdp|\*\/\*/i.test(accept)) return { status: 406 };
    const { mount } = await this.mountFor(req.uri);
    const base = req.uri.split('?')[0]!;
    return {
      status: 200,
      headers: [
        ['Content-Base', base.endsWith('/') ? base : `${base}/`],
        ['Content-Type', 'application/sdp'],
      ],
      body: mount.sdp,
    };
  }

  private async setup(req: RtspRequest, existing: RtspSession | undefined): Promise<Answer> {
    const { path, track: named, mount } = await this.mountFor(req.uri);
    // A URL without a track name is accepted when the mount has a single track (some clients do that).
    const track = named ?? (mount.tracks.length === 1 ? mount.tracks[0] : undefined);
    if (!track || !mount.tracks.includes(track)) return { status: 404 };
    if (existing && existing.path !== path) return { status: 459 };
    if (existing && existing.state === 'playing') return { status: 455 };
    if (existing?.tracks.has(track)) return { status: 455 };
    const transportHeader = header(req.headers, 'transport');
    const spec = transportHeader ? chooseTransport(transportHeader) : undefined;
    if (!spec) return { status: 461 };
    if (
      existing &&
      existing.tracks.size > 0 &&
      [...existing.tracks.values()][0]!.transport.kind !== spec.kind
    ) {
      return { status: 461 };
    }
    let session = existing;
    if (!session) {
      session = this.host.openSession(path, this.socket, this.remoteAddress);
      if (!session) return { status: 453 };
    }
    const { sink, transport } = this.makeSink(spec);
    session.tracks.set(track, { track, transport, sink });
    if (transport.kind === 'tcp') {
      this.channels.set(transport.rtpChannel, session);
      if (transport.rtcpChannel !== undefined) this.channels.set(transport.rtcpChannel, session);
    }
    let ssrc: number | undefined;
    try {
      ssrc = (await this.host.handler.onSetup({ sessionId: session.id, path, track, sink })).ssrc;
    } catch (e) {
      session.tracks.delete(track);
      if (session.tracks.size === 0) {
        // The handler never accepted this session, so it gets no teardown.
        this.host.forgetSession(session);
      }
      throw e;
    }
    const udp = this.host.udpPair!;
    return {
      status: 200,
      headers: [
        ['Transport', formatTransport(transport, { serverRtpPort: udp.rtpPort, ssrc })],
        ['Session', `${session.id};timeout=${this.host.limits.sessionTimeoutSec}`],
      ],
    };
  }

  /** Interleaved channels the client asked for, moved to a free pair when this connection uses them. */
  private makeSink(spec: TransportSpec): { sink: SessionSink; transport: TransportSpec } {
    if (spec.kind === 'udp') {
      const udp = this.host.udpPair!;
      return {
        sink: new UdpSink(udp, this.remoteAddress, spec.clientRtpPort, spec.clientRtcpPort),
        transport: spec,
      };
    }
    let { rtpChannel, rtcpChannel } = spec;
    const taken = (c: number | undefined) => c !== undefined && this.channels.has(c);
    if (taken(rtpChannel) || taken(rtcpChannel)) {
      let c = 0;
      while (this.channels.has(c) || this.channels.has(c + 1)) c += 2;
      if (c > 254) throw new RtspStatusError(453, 'no free interleaved channel');
      rtpChannel = c;
      rtcpChannel = c + 1;
    }
    const { tcpSkipBacklogBytes, maxTcpBacklogBytes, tcpStallTimeoutMs } = this.host.limits;
    const limits = {
      skipBacklogBytes: Math.min(tcpSkipBacklogBytes, maxTcpBacklogBytes / 2),
      maxBacklogBytes: maxTcpBacklogBytes,
      stallTimeoutMs: tcpStallTimeoutMs,
    };
    let lastLogMs = -Infinity;
    let unlogged = { skips: 0, units: 0 };
    const sink: InterleavedSink = new InterleavedSink(this.socket, rtpChannel, rtcpChannel, limits, {
      onSkip: (skippedUnits) => {
        this.host.stats.viewerSkips++;
        unlogged = { skips: unlogged.skips + 1, units: unlogged.units + skippedUnits };
        // a link that stays slower than the stream skips every GOP or so: one line per 10 s at most
        if (performance.now() - lastLogMs < 10_000) return;
        lastLogMs = performance.now();
        this.host.log.info('viewer reads slower than the stream: skipped ahead to a keyframe', {
          remote: this.remoteAddress,
          skips: unlogged.skips,
          skippedAccessUnits: unlogged.units,
          totalSkips: sink.skips,
        });
        unlogged = { skips: 0, units: 0 };
      },
      onOverflow: (reason) => {
        this.host.stats.overflows++;
        this.host.log.warn('viewer does not take its stream, dropping connection', {
          remote: this.remoteAddress,
          reason,
          skips: sink.skips,
        });
        this.socket.destroy();
      },
    });
    return { sink, transport: { kind: 'tcp', rtpChannel, rtcpChannel } };
  }

  private async play(req: RtspRequest, session: RtspSession | undefined): Promise<Answer> {
    if (!session) return { status: header(req.headers, 'session') ? 454 : 455 };
    if (session.tracks.size === 0) return { status: 455 };
    const rangeHeader = header(req.headers, 'range');
    const range = rangeHeader === undefined ? undefined : parseNptRange(rangeHeader);
    if (rangeHeader !== undefined && !range) return { status: 457 };
    const base = req.uri.split('?')[0]!.replace(/\/$/, '');
    const result = await this.host.handler.onPlay({
      sessionId: session.id,
      path: session.path,
      rangeStartSec: range?.startSec,
      baseUrl: base,
    });
    if (session.closed) return { status: 454 };
    session.state = 'playing';
    const aggregate = parseRequestTarget(req.uri)?.track === undefined;
    const rtpInfo = result.rtpInfo
      .map((e) => {
        const seq = session.tracks.get(e.track)?.sink.rtpInfoSeq(e.seq) ?? e.seq;
        return `url=${aggregate ? `${base}/${e.track}` : base};seq=${seq};rtptime=${e.rtptime >>> 0}`;
      })
      .join(',');
    const headers: [string, string][] = [
      ['Session', session.id],
      ['Range', formatNptRange(result.rangeStartSec, result.rangeEndSec)],
    ];
    if (rtpInfo) headers.push(['RTP-Info', rtpInfo]);
    return { status: 200, headers, after: () => result.begin() };
  }

  private async pause(session: RtspSession | undefined): Promise<Answer> {
    if (!session) return { status: 454 };
    if (session.tracks.size === 0) return { status: 455 };
    if (session.state === 'playing') {
      await this.host.handler.onPause({ sessionId: session.id, path: session.path });
      session.state = 'ready';
    }
    return { status: 200, headers: [['Session', session.id]] };
  }
}
