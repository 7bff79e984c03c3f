/**
 * An RTSP 1.0 client for pulling one stream (RFC 2326): OPTIONS, DESCRIBE, SETUP, PLAY, keep-alive
 * (GET_PARAMETER when the server lists it, else OPTIONS, every half session timeout) and TEARDOWN,
 * with Basic or Digest authentication from the URL's user:password. RTP and RTCP arrive either
 * interleaved on the TCP connection (read in whole chunks, handed over as views) or on a UDP port pair
 * (client_port). The client moves packets only; what they mean is rtp-receiver.ts's business.
 *
 * Reading TCP cheaply: the socket reads into one reused buffer (net's `onread`, no allocation per
 * read), and while playing it pauses after each read until the next tick of a clock shared by all
 * connections (READ_PERIOD_MS, read-pacer.ts), so the kernel gathers many RTP packets per read instead
 * of waking the process for each one (a 4 Mbit/s stream is ~350 packets/s, 50 KB per 100 ms). TCP flow
 * control makes the pause lossless; it delays frames by at most one period. A read of
 * READ_NO_PAUSE_BYTES or more means a fast source: the socket goes on reading without a pause, so
 * the kernel's queue for a high-bitrate camera stays short. A stream somebody watches live reads each
 * chunk at once instead (setReadAtOnce): the pause hands a viewer 100 ms of frames together, a burst
 * that its player's jitter buffer waits out (bench/live-hops.ts).
 */
import net from 'node:net';
import { KadrError } from '../core/errors.js';
import { InterleavedReader, type RtspIncomingMessage } from './interleaved-reader.js';
import { ReadPacer } from './read-pacer.js';
import { header } from './message.js';
import { answerChallenge, type Authorizer } from './rtsp-client-auth.js';
import { parseTransportHeader } from './transport.js';
import { openUdpPair, type UdpPair } from './udp-pair.js';

/** RTSP's lower transport for the media (RFC 2326 §12.39): interleaved in the TCP connection, or UDP. */
export type RtspTransport = 'tcp' | 'udp';

export interface RtspClientOptions {
  transport: RtspTransport;
  /** Longest wait for a response, and longest silence on the media before the stream counts as lost. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface RtspMediaHandlers {
  onRtp(packet: Buffer): void;
  onRtcp(packet: Buffer): void;
  /** The connection ended: null when the server closed it, else what went wrong. Called once. */
  onEnd(error: Error | null): void;
}

interface Pending {
  resolve: (m: RtspIncomingMessage) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const USER_AGENT = 'kadr';
/** Record bench, 4 streams: 100 ms costs 17% less main-thread CPU than 50 ms (docs/recording.md). */
const READ_PERIOD_MS = 100;
const READ_NO_PAUSE_BYTES = 64 * 1024;
/** One clock for every connection of the process (read-pacer.ts). */
const pacer = new ReadPacer(READ_PERIOD_MS);
const READ_BUFFER_BYTES = 256 * 1024;

export class RtspClient {
  /** The URL without credentials, as requests carry it. */
  readonly url: string;
  private readonly credentials: { user: string; password: string } | null;
  private authorize: Authorizer | null = null;
  private cseq = 0;
  private readonly pending = new Map<number, Pending>();
  private session: string | null = null;
  private sessionTimeoutS = 60;
  private keepAliveMethod = 'OPTIONS';
  private handlers: RtspMediaHandlers | null = null;
  private rtpChannel = 0;
  private rtcpChannel = 1;
  private udp: UdpPair | null = null;
  private serverRtcpPort = 0;
  private timers: NodeJS.Timeout[] = [];
  private lastDataAtMs = Date.now();
  private ended = false;
  private readonly reader: InterleavedReader;
  private detach: () => void = () => {};
  private coalesce = false;
  /** Read each chunk as it comes, without the pause (setReadAtOnce). */
  private readAtOnce = false;

  private constructor(
    private readonly socket: net.Socket,
    url: URL,
    private readonly options: RtspClientOptions,
    sink: { onRead: (bytes: Buffer) => boolean },
  ) {
    this.credentials =
      url.username || url.password
        ? { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
        : null;
    const clean = new URL(url.toString());
    clean.username = '';
    clean.password = '';
    this.url = clean.toString();
    this.reader = new InterleavedReader(
      (channel, data) => this.onFrame(channel, data),
      (message) => this.onMessage(message),
    );
    sink.onRead = (bytes) => this.onRead(bytes);
    socket.on('error', (error) => this.end(error));
    socket.on('close', () => this.end(null));
    const signal = options.signal;
    if (signal) {
      // TEARDOWN first: over UDP a server keeps sending until the session times out otherwise.
      const onAbort = () => void this.close();
      signal.addEventListener('abort', onAbort, { once: true });
      this.detach = () => signal.removeEventListener('abort', onAbort);
    }
  }

  static async connect(url: string, options: RtspClientOptions): Promise<RtspClient> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new KadrError('KADR_ERR_USAGE', `not a URL: ${url}`);
    }
    if (parsed.protocol !== 'rtsp:')
      throw new KadrError('KADR_ERR_USAGE', `not an rtsp:// URL: ${parsed.protocol}`);
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    const port = parsed.port ? Number(parsed.port) : 554;
    const sink = { onRead: (_bytes: Buffer): boolean => true };
    const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({
        host,
        port,
        noDelay: true,
        timeout: options.timeoutMs,
        onread: {
          buffer,
          callback: (n: number, buf: Uint8Array) => sink.onRead(Buffer.from(buf.buffer, buf.byteOffset, n)),
        },
      });
      s.once('connect', () => {
        s.setTimeout(0);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('timeout', () => {
        s.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      });
      s.once('error', reject);
    });
    return new RtspClient(socket, parsed, options, sink);
  }

  /** OPTIONS then DESCRIBE: the SDP text and the base URL its relative control URLs refer to. */
  async describe(): Promise<{ sdp: string; baseUrl: string }> {
    const options = await this.request('OPTIONS', this.url);
    const methods = (header(options.headers, 'Public') ?? '').split(',').map((m) => m.trim().toUpperCase());
    if (methods.includes('GET_PARAMETER')) this.keepAliveMethod = 'GET_PARAMETER';
    const res = await this.request('DESCRIBE', this.url, [['Accept', 'application/sdp']]);
    const baseUrl =
      header(res.headers, 'Content-Base') ?? header(res.headers, 'Content-Location') ?? this.url;
    return { sdp: res.body.toString('utf8'), baseUrl };
  }

  /** SETUP of one track over the chosen transport; media flows to `handlers` once PLAY is sent. */
  async setup(controlUrl: string, handlers: RtspMediaHandlers): Promise<void> {
    this.handlers = handlers;
    let transport: string;
    if (this.options.transport === 'udp') {
      const family = net.isIPv6(this.socket.remoteAddress ?? '') ? '::' : '0.0.0.0';
      this.udp = await openUdpPair(family);
      this.udp.rtp.on('message', (msg: Buffer) => this.onDatagram(msg, false));
      this.udp.rtcp.on('message', (msg: Buffer) => this.onDatagram(msg, true));
      for (const s of [this.udp.rtp, this.udp.rtcp]) {
        try {
          s.setRecvBufferSize(4 * 1024 * 1024);
        } catch {
          // the kernel cap (net.core.rmem_max) applies
        }
      }
      transport = `RTP/AVP;unicast;client_port=${this.udp.rtpPort}-${this.udp.rtpPort + 1}`;
    } else {
      transport = 'RTP/AVP/TCP;unicast;interleaved=0-1';
    }
    const res = await this.request('SETUP', controlUrl, [['Transport', transport]]);
    const sessionHeader = header(res.headers, 'Session');
    if (sessionHeader) {
      const [id, ...params] = sessionHeader.split(';').map((p) => p.trim());
      this.session = id!;
      const timeout = params.find((p) => p.toLowerCase().startsWith('timeout='));
      if (timeout) this.sessionTimeoutS = Math.max(5, Number(timeout.slice(8)) || 60);
    }
    const chosen = parseTransportHeader(header(res.headers, 'Transport') ?? '')[0];
    if (this.options.transport === 'tcp') {
      const channels = chosen?.params.get('interleaved');
      if (typeof channels === 'string') {
        const [a, b] = channels.split('-').map(Number);
        this.rtpChannel = a!;
        this.rtcpChannel = b ?? a! + 1;
      }
    } else {
      const ports = chosen?.params.get('server_port');
      if (typeof ports === 'string') {
        const [a, b] = ports.split('-').map(Number);
        this.serverRtcpPort = b ?? a! + 1;
      }
    }
  }

  async play(): Promise<void> {
    await this.request('PLAY', this.url, [['Range', 'npt=0.000-']]);
    this.coalesce = this.udp === null;
    this.lastDataAtMs = Date.now();
    const keepAlive = setInterval(
      () => {
        this.request(this.keepAliveMethod, this.url).catch(() => {});
      },
      (this.sessionTimeoutS * 1000) / 2,
    );
    const watchdog = setInterval(
      () => {
        const silentMs = Date.now() - this.lastDataAtMs;
        if (silentMs > this.options.timeoutMs)
          this.end(new Error(`no data from the source for ${silentMs} ms`));
      },
      Math.min(1000, this.options.timeoutMs),
    );
    this.timers.push(keepAlive, watchdog);
    for (const t of this.timers) t.unref();
  }

  /** Sends one RTCP packet to the server (interleaved, or to its RTCP port). */
  sendRtcp(packet: Buffer): void {
    if (this.ended) return;
    if (this.udp) {
      if (this.serverRtcpPort > 0) this.udp.rtcp.send(packet, this.serverRtcpPort, this.socket.remoteAddress);
      return;
    }
    const frame = Buffer.allocUnsafe(4 + packet.length);
    frame[0] = 0x24;
    frame[1] = this.rtcpChannel;
    frame.writeUInt16BE(packet.length, 2);
    packet.copy(frame, 4);
    this.socket.write(frame);
  }

  /** TEARDOWN (best effort, short wait), then closes everything. */
  async close(): Promise<void> {
    if (!this.ended && this.session) {
      await Promise.race([
        this.request('TEARDOWN', this.url).catch(() => {}),
        new Promise((resolve) => setTimeout(resolve, 500).unref()),
      ]);
    }
    this.end(null);
  }

  private async request(
    method: string,
    uri: string,
    headers: [string, string][] = [],
    retried = false,
  ): Promise<RtspIncomingMessage> {
    if (this.ended) throw new KadrError('KADR_ERR_INPUT_UNREADABLE', `${method}: the connection is closed`);
    const cseq = ++this.cseq;
    const lines = [`${method} ${uri} RTSP/1.0`, `CSeq: ${cseq}`, `User-Agent: ${USER_AGENT}`];
    if (this.session) lines.push(`Session: ${this.session}`);
    if (this.authorize) lines.push(`Authorization: ${this.authorize(method, uri)}`);
    for (const [k, v] of headers) lines.push(`${k}: ${v}`);
    const res = await new Promise<RtspIncomingMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(cseq);
        reject(new Error(`${method}: no response in ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      this.pending.set(cseq, { resolve, reject, timer });
      this.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    if (res.status === 401 && this.credentials && !retried) {
      const challenges = res.headers
        .filter(([k]) => k.toLowerCase() === 'www-authenticate')
        .map(([, v]) => v);
      const authorize = answerChallenge(challenges, this.credentials);
      if (authorize) {
        this.authorize = authorize;
        return this.request(method, uri, headers, true);
      }
    }
    if (res.status === null || res.status < 200 || res.status >= 300) {
      throw new KadrError('KADR_ERR_INPUT_UNREADABLE', `${method} answered ${res.startLine.slice(9)}`, {
        hint:
          res.status === 401
            ? 'the source wants credentials: put user:password in the URL'
            : 'check the URL (path) and that the source serves this stream',
      });
    }
    return res;
  }

  /** One read from the socket into the shared buffer; false pauses the socket (net's onread). */
  private onRead(bytes: Buffer): boolean {
    this.lastDataAtMs = Date.now();
    try {
      this.reader.push(bytes);
    } catch (error) {
      this.end(error as Error);
      return false;
    }
    if (!this.coalesce || this.readAtOnce || this.ended || bytes.length >= READ_NO_PAUSE_BYTES) return true;
    pacer.later(this.socket);
    return false;
  }

  /**
   * Whether to read each chunk as soon as it arrives instead of pausing until the next tick (for a
   * stream somebody watches live: the pause delays a frame by up to one period and hands the frames of
   * a period over together, a burst that a player's jitter buffer must absorb). Off by default: a
   * stream that is only recorded keeps the cheaper paced reads.
   */
  setReadAtOnce(on: boolean): void {
    if (this.readAtOnce === on) return;
    this.readAtOnce = on;
    if (!on || this.ended) return;
    pacer.cancel(this.socket);
    this.socket.resume();
  }

  private onMessage(message: RtspIncomingMessage): void {
    if (message.status === null) {
      // A request from the server (ANNOUNCE, GET_PARAMETER, ...): answered, not acted on.
      const cseq = header(message.headers, 'CSeq') ?? '0';
      this.socket.write(`RTSP/1.0 501 Not Implemented\r\nCSeq: ${cseq}\r\n\r\n`);
      return;
    }
    const cseq = Number(header(message.headers, 'CSeq'));
    const p = this.pending.get(cseq);
    if (!p) return;
    this.pending.delete(cseq);
    clearTimeout(p.timer);
    p.resolve(message);
  }

  private onFrame(channel: number, data: Buffer): void {
    const h = this.handlers;
    if (!h) return;
    if (channel === this.rtpChannel) h.onRtp(data);
    else if (channel === this.rtcpChannel) h.onRtcp(data);
  }

  private onDatagram(msg: Buffer, rtcp: boolean): void {
    this.lastDataAtMs = Date.now();
    const h = this.handlers;
    if (!h) return;
    if (rtcp) h.onRtcp(msg);
    else h.onRtp(msg);
  }

  private end(error: Error | null): void {
    if (this.ended) return;
    this.ended = true;
    this.detach();
    for (const t of this.timers) clearInterval(t);
    pacer.cancel(this.socket);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(error ?? new Error('the source closed the connection'));
    }
    this.pending.clear();
    this.socket.destroy();
    this.udp?.close();
    this.handlers?.onEnd(error);
  }
}
