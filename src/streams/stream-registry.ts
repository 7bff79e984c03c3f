/**
 * The mounts kadr serves and the RTSP glue: implements the handler src/rtsp declares, mapping each
 * RTSP session to one consumer per track of its mount (go2rtc internal/streams, MediaMTX path manager).
 */
import { isKadrError, KadrError } from '../core/errors.js';
import { type Logger, silentLogger } from '../core/logger.js';
import {
  type PlayRequest,
  type PlayResult,
  type RtspMount,
  type RtspServerHandler,
  RtspStatusError,
  type SessionRef,
  type SetupRequest,
  type SetupResult,
} from '../rtsp/index.js';
import { buildSessionSdp, rewriteMediaSection } from '../rtp/index.js';
import type { SourceConsumer, StreamSource } from './source.js';

interface SessionEntry {
  path: string;
  consumers: Map<string, SourceConsumer>;
}

/** Looks for a source the registry does not have yet (a file added to a served folder). */
export type SourceFinder = (name: string) => Promise<StreamSource | undefined>;

/**
 * Where a mount this server does not have is served instead (a camera run by another node): the
 * absolute rtsp:// URL, or undefined when nobody serves it.
 */
export type MountRedirect = (name: string) => Promise<string | undefined>;

/** Mounts that come and go on their own (live-cameras.ts): asked on each request, never kept here. */
export interface LiveMounts {
  mount(name: string): StreamSource | undefined;
}

export class StreamRegistry implements RtspServerHandler {
  private readonly sources = new Map<string, StreamSource>();
  private readonly sessions = new Map<string, SessionEntry>();
  private finder: SourceFinder | undefined;
  private live: LiveMounts | undefined;
  private redirect: MountRedirect | undefined;

  constructor(private readonly logger: Logger = silentLogger) {}

  /** Asked for names no source has; what it finds is added. */
  setFinder(finder: SourceFinder): void {
    this.finder = finder;
  }

  /**
   * Serves live cameras next to the files, each at its name. A file of the same name wins: the files
   * a server was started with stay what they were.
   */
  setLiveMounts(live: LiveMounts): void {
    this.live = live;
  }

  /**
   * Answers a request for a mount served elsewhere with 302 Moved Temporarily and its Location
   * (RFC 2326 §11.3.3), which RTSP clients follow (FFmpeg and GStreamer's rtspsrc do).
   */
  setRedirect(redirect: MountRedirect): void {
    this.redirect = redirect;
  }

  private async lookup(name: string): Promise<StreamSource | undefined> {
    const known = this.sources.get(name);
    if (known) return known;
    const live = this.live?.mount(name);
    if (live) return live;
    if (!this.finder) return undefined;
    const found = await this.finder(name);
    if (!found || found.name !== name) return undefined;
    // two DESCRIBEs for a new file at once: the first one added wins
    if (!this.sources.has(name)) {
      this.sources.set(name, found);
      this.logger.info('new mount', { mount: name });
    }
    return this.sources.get(name);
  }

  add(source: StreamSource): void {
    if (this.sources.has(source.name)) {
      throw new KadrError('KADR_ERR_CONFLICT', `two sources would be served as '${source.name}'`, {
        hint: 'rename one of the files: the mount name is the file name without extension',
      });
    }
    this.sources.set(source.name, source);
  }

  get mountNames(): string[] {
    return [...this.sources.keys()];
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  async onDescribe({ path }: { path: string }): Promise<RtspMount | undefined> {
    const source = await this.lookup(path);
    if (!source) {
      const location = await this.redirect?.(path);
      if (location === undefined) return undefined;
      this.logger.info('mount served by another node: redirected', { mount: path, location });
      throw new RtspStatusError(302, `${path} is served at ${location}`, [['Location', location]]);
    }
    const d = await this.describe(source);
    return {
      tracks: d.tracks,
      sdp: buildSessionSdp({
        sessionName: source.name,
        address: '0.0.0.0',
        durationSec: d.durationSec,
        mediaSections: d.mediaSections.map((section, i) => rewriteMediaSection(section, d.tracks[i]!)),
      }),
    };
  }

  private async describe(source: StreamSource) {
    try {
      return await source.describe();
    } catch (e) {
      this.logger.error('cannot describe source', { mount: source.name, error: String(e) });
      if (e instanceof RtspStatusError) throw e;
      throw new RtspStatusError(isKadrError(e) ? 404 : 500, `cannot describe ${source.name}`);
    }
  }

  async onSetup({ sessionId, path, track, sink }: SetupRequest): Promise<SetupResult> {
    const source = await this.lookup(path);
    if (!source) throw new RtspStatusError(404, `no mount ${path}`);
    const consumer = await source.createConsumer(track, sink);
    let entry = this.sessions.get(sessionId);
    if (!entry) {
      entry = { path, consumers: new Map() };
      this.sessions.set(sessionId, entry);
    }
    entry.consumers.set(track, consumer);
    this.logger.info('session setup', { session: sessionId, mount: path, track });
    return { ssrc: consumer.ssrc };
  }

  async onPlay({ sessionId, rangeStartSec }: PlayRequest): Promise<PlayResult> {
    const entry = this.sessions.get(sessionId);
    if (!entry) throw new RtspStatusError(454, 'unknown session');
    const source = this.sources.get(entry.path);
    const d = source ? await this.describe(source) : undefined;
    const starts = await Promise.all(
      [...entry.consumers].map(async ([track, c]) => ({ track, start: await c.play(rangeStartSec) })),
    );
    return {
      rangeStartSec: starts[0]?.start.startSec ?? 0,
      rangeEndSec: d?.durationSec,
      rtpInfo: starts.map(({ track, start }) => ({ track, seq: start.seq, rtptime: start.rtptime })),
      begin: () => {
        for (const c of entry.consumers.values()) c.begin();
      },
    };
  }

  async onPause({ sessionId }: SessionRef): Promise<void> {
    const entry = this.sessions.get(sessionId);
    if (!entry) throw new RtspStatusError(454, 'unknown session');
    await Promise.all([...entry.consumers.values()].map((c) => c.pause()));
  }

  onTeardown({ sessionId }: SessionRef): void {
    const entry = this.sessions.get(sessionId);
    if (!entry) return;
    this.sessions.delete(sessionId);
    for (const c of entry.consumers.values()) {
      c.close().catch((e: unknown) => this.logger.error('closing consumer failed', { error: String(e) }));
    }
    this.logger.info('session closed', { session: sessionId, mount: entry.path });
  }

  /** Ends every session's media (server shutdown). */
  async closeAll(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.flatMap((e) => [...e.consumers.values()].map((c) => c.close().catch(() => {}))));
    await Promise.all([...this.sources.values()].map((s) => s.close?.().catch(() => {})));
  }
}
