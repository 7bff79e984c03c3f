/**
 * The WebRTC side of the live view: one per process, every viewer's peer connection on one UDP port
 * (ICE UDP mux, as MediaMTX and go2rtc do: one port to open in a firewall or forward through a NAT).
 * libjuice (libdatachannel's ICE) shares the port among its agents by the STUN username, and a
 * listener held from start() to close() keeps it bound while nobody watches, so that a port taken
 * by another program is found at start, not at the first viewer. Such a port turns the WebRTC live
 * view off (offers get 503 saying why) rather than the whole server: the cameras, the recording and
 * the API do not need it.
 */
import { randomUUID } from 'node:crypto';
import { cleanup, IceUdpMuxListener, initLogger, type RtcConfig } from 'node-datachannel';
import { HttpStatusError } from './status-error.js';
import type { Logger } from '../core/logger.js';
import type { LiveViewSource } from '../streams/index.js';
import { BadOfferError, chooseFormat, parseVideoOffer } from './sdp-offer.js';
import { WebRtcViewer, type ViewerLease } from './viewer.js';
import { WhipPublisher, type WhipSink } from './whip-publisher.js';

export interface WebRtcServerOptions {
  /** The UDP port of every viewer (KADR_WEBRTC_PORT); never 0: the answers name it. */
  port: number;
  /** Addresses announced in the candidates (KADR_WEBRTC_HOSTS); empty: the interfaces' own. */
  hosts: readonly string[];
  /** Address to bind, where not every interface. */
  bindAddress?: string;
  /** A viewer silent this long (no RTCP, no ICE) is closed; 12 s by default. */
  livenessMs?: number;
  /** ICE gathering may take this long before the answer goes out (non-trickle WHEP); 1 s by default. */
  gatherMs?: number;
  logger: Logger;
}

export interface WhepOffer {
  name: string;
  quality: string;
  sdp: string;
}

export interface WhipAnswer {
  session: string;
  sdp: string;
  publisher: WhipPublisher;
}

export interface WhepAnswer {
  session: string;
  sdp: string;
}

const DEFAULT_LIVENESS_MS = 12_000;
const DEFAULT_GATHER_MS = 1_000;
/** How long an offer waits for a camera that has not connected yet. */
const WAIT_LIVE_MS = 5_000;

export class WebRtcServer {
  private readonly viewers = new Map<string, WebRtcViewer>();
  private readonly publishers = new Map<string, WhipPublisher>();
  private listener: IceUdpMuxListener | null = null;
  private unavailable: string | null = 'not started';

  constructor(private readonly o: WebRtcServerOptions) {
    // libdatachannel prints to stdout unless given a logger; its warnings go to kadr's log instead.
    const log = o.logger.child({ module: 'libdatachannel' });
    initLogger('Warning', (level, message) => (level === 'Warning' ? log.debug(message) : log.warn(message)));
    if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) {
      throw new RangeError(
        `the WebRTC UDP port must be 1-65535 (ICE UDP mux names it in every answer), got ${o.port}`,
      );
    }
  }

  get port(): number {
    return this.o.port;
  }

  /** Viewers connected or connecting. */
  get sessions(): number {
    return this.viewers.size;
  }

  /** Binds the port; false (and offers answered 503) when it cannot. */
  start(): boolean {
    if (this.listener) return true;
    try {
      this.listener = new IceUdpMuxListener(this.o.port, this.o.bindAddress);
      this.unavailable = null;
      return true;
    } catch (error) {
      this.unavailable = `UDP port ${this.o.port} cannot be bound (${(error as Error).message})`;
      return false;
    }
  }

  /**
   * Answers a WHEP offer for one live view. Throws HttpStatusError for what the viewer asked wrong
   * (a bad offer 400, a codec the browser does not take 406) and the source's KadrError for a
   * stream or quality it does not have.
   */
  async offer(source: LiveViewSource, offer: WhepOffer): Promise<WhepAnswer> {
    if (this.unavailable) {
      throw new HttpStatusError(
        503,
        `WebRTC is off: ${this.unavailable}`,
        'set KADR_WEBRTC_PORT to a free UDP port',
      );
    }
    let video;
    try {
      video = parseVideoOffer(offer.sdp);
    } catch (error) {
      if (error instanceof BadOfferError) throw new HttpStatusError(400, error.message);
      throw error;
    }
    const session = randomUUID();
    const acquire = () => source.acquire(offer.name, offer.quality, `webrtc ${session}`) as ViewerLease;
    const lease = acquire();
    let viewer: WebRtcViewer | undefined;
    try {
      const stream = await waitLive(lease);
      if (!stream) {
        throw new HttpStatusError(503, `${offer.name} is not live yet`, 'retry in a few seconds');
      }
      const codec = stream.info.codec;
      if (codec !== 'h264' && codec !== 'hevc') {
        throw new HttpStatusError(406, `${offer.name} is ${codec}, which kadr does not send over WebRTC`);
      }
      const sps = stream.info.parameterSets?.find((p) => codec === 'h264' && (p[0]! & 0x1f) === 7);
      const format = chooseFormat(video, codec, sps?.[1]);
      if (!format) {
        throw new HttpStatusError(
          406,
          codec === 'hevc'
            ? `${offer.name} is H.265 at quality ${offer.quality} and the offer has no H.265`
            : `the offer has no H.264 with packetization-mode=1`,
          codec === 'hevc' ? 'choose an H.264 quality with ?quality=' : 'offer H.264 (every browser does)',
        );
      }
      viewer = new WebRtcViewer(
        {
          id: session,
          offer: offer.sdp,
          mid: video.mid,
          format,
          codec,
          acquire,
          rtc: this.rtcConfig(),
          hosts: this.o.hosts,
          port: this.o.port,
          gatherMs: this.o.gatherMs ?? DEFAULT_GATHER_MS,
          livenessMs: this.o.livenessMs ?? DEFAULT_LIVENESS_MS,
          logger: this.o.logger,
          onClose: (id) => this.viewers.delete(id),
        },
        lease,
      );
      this.viewers.set(session, viewer);
      const sdp = await viewer.answer();
      this.o.logger.debug('viewer offered', { session, name: offer.name, quality: offer.quality });
      return { session, sdp };
    } catch (error) {
      if (viewer) viewer.close('offer failed');
      else lease.close();
      if (error instanceof HttpStatusError) throw error;
      // libdatachannel refuses an offer it cannot parse or answer (no ICE credentials, no fingerprint).
      throw new HttpStatusError(400, `the offer cannot be answered: ${(error as Error).message}`);
    }
  }

  /**
   * Answers a WHIP offer (RFC 9725 §4.2): a sender's H.264 video, received on the same UDP port as
   * the viewers. Throws HttpStatusError: a bad offer 400, no H.264 with packetization-mode 1 406.
   */
  async publish(offer: { sdp: string }, sink: WhipSink): Promise<WhipAnswer> {
    if (this.unavailable) {
      throw new HttpStatusError(
        503,
        `WebRTC is off: ${this.unavailable}`,
        'set KADR_WEBRTC_PORT to a free UDP port',
      );
    }
    let video;
    try {
      video = parseVideoOffer(offer.sdp, 'sender');
    } catch (error) {
      if (error instanceof BadOfferError) throw new HttpStatusError(400, error.message);
      throw error;
    }
    const format = chooseFormat(video, 'h264');
    if (!format) {
      throw new HttpStatusError(406, 'the offer has no H.264 with packetization-mode=1', 'send H.264');
    }
    const session = randomUUID();
    const publisher = new WhipPublisher({
      id: session,
      offer: offer.sdp,
      mid: video.mid,
      format,
      rtc: this.rtcConfig(),
      hosts: this.o.hosts,
      port: this.o.port,
      gatherMs: this.o.gatherMs ?? DEFAULT_GATHER_MS,
      livenessMs: this.o.livenessMs ?? DEFAULT_LIVENESS_MS,
      logger: this.o.logger,
      sink,
      onClose: (id) => this.publishers.delete(id),
    });
    this.publishers.set(session, publisher);
    try {
      const sdp = await publisher.answer();
      this.o.logger.debug('sender offered', { session });
      return { session, sdp, publisher };
    } catch (error) {
      publisher.close('offer failed');
      throw new HttpStatusError(400, `the offer cannot be answered: ${(error as Error).message}`);
    }
  }

  /** Ends a session (WHEP DELETE); false when there is none by that id. */
  end(session: string): boolean {
    const viewer = this.viewers.get(session);
    if (!viewer) return false;
    viewer.close('viewer left');
    return true;
  }

  has(session: string): boolean {
    return this.viewers.has(session);
  }

  async close(): Promise<void> {
    for (const viewer of [...this.viewers.values()]) viewer.close('server closing');
    for (const publisher of [...this.publishers.values()]) publisher.close('server closing');
    this.listener?.stop();
    this.listener = null;
    // libdatachannel's threads hold the event loop open after the last peer is closed; the process
    // would never exit. One WebRTC server per process, so ending them all here is this server's call.
    cleanup();
  }

  private rtcConfig(): RtcConfig {
    return {
      iceServers: [],
      enableIceUdpMux: true,
      portRangeBegin: this.o.port,
      portRangeEnd: this.o.port,
      ...(this.o.bindAddress ? { bindAddress: this.o.bindAddress } : {}),
    };
  }
}

/** The stream's codec parameters; waits a little for a camera that is still connecting. */
async function waitLive(lease: ViewerLease) {
  const deadline = Date.now() + WAIT_LIVE_MS;
  for (;;) {
    const stream = lease.stream();
    if (stream || Date.now() > deadline) return stream;
    await new Promise((r) => setTimeout(r, 100));
  }
}
