/**
 * WHIP sessions (RFC 9725; docs/ingest.md): a WebRTC sender (a browser's webcam on /webcam, any WHIP
 * client) publishes H.264 under a name; kadr records it and lists it as a live view while it lasts.
 * Sessions live in memory; what outlives them is the recording. An ended session's status stays
 * readable for an hour.
 */
import { KadrError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import {
  orphanJournals,
  SpoolUploader,
  type RecordingStore,
  type SegmentSummary,
} from '../../recorder/index.js';
import type { WebRtcServer } from '../../webrtc/index.js';
import type { IngestLive } from './ingest.service.js';
import { INGEST_NAME, MAX_OPEN_SESSIONS } from './ingest.service.js';
import type { IngestRecording } from './ingest-session.js';
import { pushCameraOfKey, type PushCameraPort } from './push-camera-port.js';
import { WhipSession, type WhipStatus } from './whip-session.js';

export interface WhipServiceOptions {
  store: RecordingStore;
  /** The spool of the sessions' recordings (one folder, this process's journals only). */
  spoolDir: string;
  log: Logger;
  /** Each session is the push camera of its name (docs/ingest.md); absent: sessions are no cameras. */
  cameras?: PushCameraPort;
}

const KEEP_ENDED_MS = 3600_000;

export class WhipService {
  private readonly sessions = new Map<string, WhipSession>();
  private readonly uploader: SpoolUploader;

  constructor(private readonly o: WhipServiceOptions) {
    this.uploader = new SpoolUploader({
      store: o.store,
      logger: o.log.child({ part: 'spool' }),
      onSegment: (summary) => {
        o.log.info('spooled WHIP recording stored', { key: summary.key });
        // Listed before the journal goes: a failure keeps the journal and the upload is retried.
        const name = pushCameraOfKey(summary.key);
        return name ? this.o.cameras?.recorded(name, summary) : undefined;
      },
    });
  }

  /** Stores what a crashed process left in the spool (each a recording that ends with 'crash'). */
  start(): void {
    for (const journal of orphanJournals(this.o.spoolDir)) {
      this.o.log.info('storing a WHIP recording left in the spool', { journal });
      this.uploader.enqueue(journal);
    }
  }

  /** A stored recording becomes a segment of its push camera. */
  private async stored(name: string | null, summary: SegmentSummary, cameraId?: string): Promise<void> {
    if (!name || !this.o.cameras) return;
    await this.o.cameras.recorded(name, summary, cameraId).catch((error: unknown) =>
      this.o.log.warn('recording stored but not listed as a camera segment', {
        key: summary.key,
        error: (error as Error).message,
      }),
    );
  }

  /**
   * Answers a sender's offer: the session's id and the SDP answer. `taken` says whether another live
   * view (a camera, an ingest session) has the name already.
   */
  async publish(
    name: string,
    sdp: string,
    webrtc: WebRtcServer,
    taken: boolean,
  ): Promise<{ id: string; sdp: string }> {
    if (!INGEST_NAME.test(name)) {
      throw new KadrError(
        'KADR_ERR_VALIDATION',
        'name must be a letter or digit, then up to 63 letters, digits, ".", "_" or "-"',
        { hint: 'e.g. "desk-webcam"' },
      );
    }
    this.prune();
    const open = [...this.sessions.values()].filter((s) => s.open);
    if (taken || open.some((s) => s.name === name)) {
      throw new KadrError('KADR_ERR_CONFLICT', `'${name}' is live already`, {
        hint: 'end that session first (DELETE its Location), or publish under another name',
      });
    }
    if (open.length >= MAX_OPEN_SESSIONS) {
      throw new KadrError('KADR_ERR_CONFLICT', `${MAX_OPEN_SESSIONS} WHIP sessions are open already`, {
        hint: 'end one first',
      });
    }
    const link = this.o.cameras ? await this.o.cameras.open(name) : null;
    const session = new WhipSession(name, {
      store: this.o.store,
      spoolDir: this.o.spoolDir,
      log: this.o.log,
      onSpooled: (journal) => this.uploader.enqueue(journal),
      link,
      onStored: (summary) => this.stored(name, summary, link?.cameraId),
    });
    this.sessions.set(session.id, session);
    try {
      const answer = await webrtc.publish({ sdp }, session.sink);
      session.attach(answer.publisher);
      this.o.log.info('WHIP session opened', { id: session.id, name, camera: link?.cameraId });
      return { id: session.id, sdp: answer.sdp };
    } catch (error) {
      this.sessions.delete(session.id);
      await link?.end('offer refused');
      throw error;
    }
  }

  /** Ends a session (WHIP DELETE) and returns its recording (null: nothing was recorded). */
  async end(name: string, id: string): Promise<IngestRecording | null> {
    const session = this.get(name, id);
    const recording = await session.finish('sender ended the session');
    if (!recording && session.state === 'spooled') {
      throw new KadrError('KADR_ERR_STORAGE_UNAVAILABLE', session.status().error ?? 'the store is down', {
        hint: 'nothing is lost: the recording is stored when the store is back',
      });
    }
    return recording;
  }

  status(name: string, id: string): WhipStatus {
    return this.get(name, id).status();
  }

  liveNames(): string[] {
    return [...this.sessions.values()].filter((s) => s.state === 'live').map((s) => s.name);
  }

  live(name: string): IngestLive | null {
    const session = [...this.sessions.values()].find((s) => s.state === 'live' && s.name === name);
    return session ? { hub: session.hub, stream: () => session.stream() } : null;
  }

  async close(drainMs = 10_000): Promise<void> {
    await Promise.all(
      [...this.sessions.values()].filter((s) => s.open).map((s) => s.finish('shutdown').catch(() => null)),
    );
    await this.uploader.drain(drainMs);
    this.uploader.stop();
  }

  private get(name: string, id: string): WhipSession {
    const session = this.sessions.get(id);
    if (!session || session.name !== name) {
      throw new KadrError(
        'KADR_ERR_NOT_FOUND',
        `no WHIP session ${id.slice(0, 64)} for ${name.slice(0, 64)}`,
        {
          hint: 'the Location of the 201 names the session; an ended one is kept for an hour',
        },
      );
    }
    return session;
  }

  private prune(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) {
      if (s.endedAtMs !== null && now - s.endedAtMs > KEEP_ENDED_MS) this.sessions.delete(id);
    }
  }
}
