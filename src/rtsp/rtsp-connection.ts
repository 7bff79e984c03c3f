/**
 * One client TCP connection: parses requests, answers them strictly in order (RFC 2326 §9.1 allows
 * pipelining), routes interleaved RTCP to its session, and enforces the per-connection limits.
 */
import type { Socket } from 'node:net';
import { type RtspMount, RtspStatusError } from './handler.js';
import { header, type RtspRequest } from './message.js';
import { formatNptRange, parseNptRange } from './range.js';
import { RtspRequestParser } from './request-parser.js';
import { parseRequestTarget } from './request-target.js';
import { InterleavedSink, RtspSession, type SessionSink, UdpSink } from './rtsp-session.js';
import { normalizeAddress, PUBLIC_METHODS, reply, type RtspServer } from './rtsp-server.js';
import { splitCompoundRtcp } from '../rtp/rtcp-packets.js';
import { chooseTransport, formatTransport, type TransportSpec } from './transport.js';

type Answer = { status: number; headers?: [string, string][]; body?: string; after?: () => void };

export class RtspConnection {
  private readonly parser: RtspRequestParser;
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  /** Interleaved channel → session, for RTCP the client sends back. */
  private readonly channels = new Map<number, RtspSession>();
  private readonly remoteAddress: string;

  constructor(
    private readonly server: RtspServer,
    readonly socket: Socket,
  ) {
    this.parser = new RtspRequestParser(server.options.parserLimits);
    this.remoteAddress = normalizeAddress(socket.remoteAddress ?? '');
    socket.setNoDelay(true);
    socket.setTimeout(server.options.idleTimeoutMs);
    socket.on('timeout', () => {
      // Idle: keep connections that carry playing media; anything else is a forgotten or hostile one.
      if (![...this.server.sessions.values()].some((s) => s.connection === socket && s.state === 'playing')) {
        socket.destroy();
      }
    });
    socket.on('error', () => {}); // resets from clients that vanish are normal; 'close' cleans up
    socket.on('data', (chunk) => this.onData(chunk));
  }

  private onData(chunk: Buffer): void {
    for (const event of this.parser.push(chunk)) {
      if (event.type === 'interleaved') this.onInterleaved(event.channel, event.payload);
      else if (event.type === 'error') {
        this.server.stats.protocolErrors++;
        this.server.log.debug('protocol error, closing', {
          remote: this.remoteAddress,
          error: event.message,
        });
        this.enqueue(async () => {
          this.socket.end(reply(undefined, event.status));
        });
        this.socket.pause();
      } else {
        if (this.pending >= this.server.options.maxPendingRequests) {
          this.server.stats.protocolErrors++;
          this.socket.destroy();
          return;
        }
        const request = event.request;
        this.enqueue(() => this.answer(request));
      }
    }
  }

  private enqueue(task: () => Promise<void>): void {
    this.pending++;
    this.queue = this.queue
      .then(task)
      .catch((e: unknown) => this.server.log.error('request failed', { error: String(e) }))
      .finally(() => this.pending--);
  }

  private onInterleaved(channel: number, payload: Buffer): void {
    const session = this.channels.get(channel);
    if (!session || session.closed) return;
    // Only well-formed RTCP counts as a sign of life; garbage on a channel is dropped.
    if (splitCompoundRtcp(payload)) session.lastSeenMs = Date.now();
  }

  private async answer(request: RtspRequest): Promise<void> {
    if (this.socket.destroyed) return;
    let answer: Answer;
    try {
      answer = await this.dispatch(request);
    } catch (e) {
      if (e instanceof RtspStatusError) {
        answer = { status: e.status };
        this.server.log.debug('request refused', {
          method: request.method,
          status: e.status,
          error: e.message,
        });
      } else {
        this.server.log.error('request handler failed', { method: request.method, error: String(e) });
        answer = { status: 500 };
      }
    }
    if (this.socket.destroyed) return;
    this.server.log.debug('rtsp request', {
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
    const auth = this.server.options.auth;
    if (auth) {
      const verdict = auth.verify(header(req.headers, 'authorization'), req.method);
      // A nonce that expired while a session it opened plays is still accepted for that session, so
      // keep-alives of a long playback do not fail; new sessions need a fresh nonce.
      if (!verdict.ok || (verdict.nonceExpired && !session)) {
        const stale = verdict.ok || verdict.stale;
        return { status: 401, headers: [['WWW-Authenticate', auth.challenge(stale)]] };
      }
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
        this.server.destroySession(session, 'teardown');
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
    const s = this.server.sessions.get(id);
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
    const mount = await this.server.options.handler.onDescribe({ path: target.path });
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
      if (this.server.sessions.size >= this.server.options.maxSessions) return { status: 453 };
      session = new RtspSession(
        this.server.newSessionId(),
        path,
        this.socket,
        this.remoteAddress,
        Date.now(),
      );
      this.server.sessions.set(session.id, session);
    }
    const { sink, transport } = this.makeSink(spec);
    session.tracks.set(track, { track, transport, sink });
    if (transport.kind === 'tcp') {
      this.channels.set(transport.rtpChannel, session);
      if (transport.rtcpChannel !== undefined) this.channels.set(transport.rtcpChannel, session);
    }
    let ssrc: number | undefined;
    try {
      ssrc = (await this.server.options.handler.onSetup({ sessionId: session.id, path, track, sink })).ssrc;
    } catch (e) {
      session.tracks.delete(track);
      if (session.tracks.size === 0) {
        // The handler never accepted this session, so it gets no teardown.
        session.close();
        this.server.sessions.delete(session.id);
      }
      throw e;
    }
    const udp = this.server.udpPair!;
    return {
      status: 200,
      headers: [
        ['Transport', formatTransport(transport, { serverRtpPort: udp.rtpPort, ssrc })],
        ['Session', `${session.id};timeout=${this.server.options.sessionTimeoutSec}`],
      ],
    };
  }

  /** Interleaved channels the client asked for, moved to a free pair when this connection uses them. */
  private makeSink(spec: TransportSpec): { sink: SessionSink; transport: TransportSpec } {
    if (spec.kind === 'udp') {
      const udp = this.server.udpPair!;
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
    const sink = new InterleavedSink(
      this.socket,
      rtpChannel,
      rtcpChannel,
      this.server.options.maxTcpBacklogBytes,
      () => {
        this.server.stats.overflows++;
        this.server.log.warn('client does not read its stream, dropping connection', {
          remote: this.remoteAddress,
        });
        this.socket.destroy();
      },
    );
    return { sink, transport: { kind: 'tcp', rtpChannel, rtcpChannel } };
  }

  private async play(req: RtspRequest, session: RtspSession | undefined): Promise<Answer> {
    if (!session) return { status: header(req.headers, 'session') ? 454 : 455 };
    if (session.tracks.size === 0) return { status: 455 };
    const rangeHeader = header(req.headers, 'range');
    const range = rangeHeader === undefined ? undefined : parseNptRange(rangeHeader);
    if (rangeHeader !== undefined && !range) return { status: 457 };
    const base = req.uri.split('?')[0]!.replace(/\/$/, '');
    const result = await this.server.options.handler.onPlay({
      sessionId: session.id,
      path: session.path,
      rangeStartSec: range?.startSec,
      baseUrl: base,
    });
    if (session.closed) return { status: 454 };
    session.state = 'playing';
    const aggregate = parseRequestTarget(req.uri)?.track === undefined;
    const rtpInfo = result.rtpInfo
      .map((e) => `url=${aggregate ? `${base}/${e.track}` : base};seq=${e.seq};rtptime=${e.rtptime >>> 0}`)
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
      await this.server.options.handler.onPause({ sessionId: session.id, path: session.path });
      session.state = 'ready';
    }
    return { status: 200, headers: [['Session', session.id]] };
  }
}
