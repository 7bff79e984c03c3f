/**
 * Ingest sessions (docs/ingest.md): open one by name, add JPEG frames, finish it into a recording.
 * Sessions live in memory; what outlives the process is the recording, and the spool journal of a
 * session the process did not finish (a crash), which the next start stores (the recorder's
 * SpoolUploader). An ended session's status stays readable for an hour.
 */
import type { Logger } from '../../core/logger.js';
import type { MediaUnit } from '../../core/media-unit.js';
import {
  orphanJournals,
  SpoolUploader,
  type RecordingStore,
  type SegmentSummary,
} from '../../recorder/index.js';
import type { LiveStreamInfo, StreamHub } from '../../streams/index.js';
import { KadrError } from '../../core/errors.js';
import { IngestSession, type IngestRecording, type IngestStatus } from './ingest-session.js';
import { pushCameraOfKey, type PushCameraPort } from './push-camera-port.js';

export interface IngestServiceOptions {
  store: RecordingStore;
  /** The spool of the sessions' recordings (one folder, this process's journals only). */
  spoolDir: string;
  /** A session with no frame for this long is finished (KADR_INGEST_IDLE_SECONDS). */
  idleMs: number;
  log: Logger;
  /** Each session is the push camera of its name (docs/ingest.md); absent: sessions are no cameras. */
  cameras?: PushCameraPort;
}

/** A live session as a viewer sees it (the lead wires it into the live views). */
export interface IngestLive {
  hub: StreamHub<MediaUnit>;
  stream(): LiveStreamInfo | null;
}

/** Sessions open at once, at most: each holds an encoder and a spool file. */
export const MAX_OPEN_SESSIONS = 64;
const KEEP_ENDED_MS = 3600_000;
export const INGEST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class IngestService {
  private readonly sessions = new Map<string, IngestSession>();
  private readonly uploader: SpoolUploader;

  constructor(private readonly o: IngestServiceOptions) {
    this.uploader = new SpoolUploader({
      store: o.store,
      logger: o.log.child({ part: 'spool' }),
      onSegment: (summary) => {
        o.log.info('spooled ingest recording stored', { key: summary.key });
        // Listed before the journal goes: a failure keeps the journal and the upload is retried.
        const name = pushCameraOfKey(summary.key);
        return name ? this.o.cameras?.recorded(name, summary) : undefined;
      },
    });
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

  /** Stores what a crashed process left in the spool. */
  start(): void {
    for (const journal of orphanJournals(this.o.spoolDir)) {
      this.o.log.info('storing an ingest recording left in the spool', { journal });
      this.uploader.enqueue(journal);
    }
  }

  async open(name: string): Promise<IngestStatus> {
    if (!INGEST_NAME.test(name)) {
      throw new KadrError(
        'KADR_ERR_VALIDATION',
        'name must be a letter or digit, then up to 63 letters, digits, ".", "_" or "-"',
        { hint: 'e.g. "door-webcam"' },
      );
    }
    this.prune();
    const open = [...this.sessions.values()].filter((s) => s.open);
    const same = open.find((s) => s.name === name);
    if (same) {
      throw new KadrError('KADR_ERR_CONFLICT', `an ingest session named '${name}' is open (${same.id})`, {
        hint: 'finish it first, or use another name',
      });
    }
    if (open.length >= MAX_OPEN_SESSIONS) {
      throw new KadrError('KADR_ERR_CONFLICT', `${MAX_OPEN_SESSIONS} ingest sessions are open already`, {
        hint: 'finish one first',
      });
    }
    const link = this.o.cameras ? await this.o.cameras.open(name) : null;
    const session = new IngestSession(name, {
      store: this.o.store,
      spoolDir: this.o.spoolDir,
      idleMs: this.o.idleMs,
      log: this.o.log,
      onSpooled: (journal) => this.uploader.enqueue(journal),
      link,
      onStored: (summary) => this.stored(name, summary, link?.cameraId),
    });
    this.sessions.set(session.id, session);
    this.o.log.info('ingest session opened', { id: session.id, name });
    return session.status();
  }

  addFrame(id: string, jpeg: Buffer, captureMs: number): Promise<{ frame: number; ptsMs: number }> {
    return this.get(id).addFrame(jpeg, captureMs);
  }

  async finish(id: string): Promise<IngestRecording> {
    const session = this.get(id);
    const recording = await session.finish('finish');
    if (recording) return recording;
    if (session.state === 'spooled') {
      throw new KadrError('KADR_ERR_STORAGE_UNAVAILABLE', session.status().error ?? 'the store is down', {
        hint: 'nothing is lost: the recording is stored when the store is back',
      });
    }
    if (session.state === 'failed') {
      throw new KadrError('KADR_ERR_INTERNAL', `ingest session failed: ${session.status().error ?? ''}`);
    }
    throw new KadrError('KADR_ERR_CONFLICT', `ingest session ${id} has no frames: nothing was recorded`, {
      hint: 'post frames to /api/ingest/<id>/frames before finishing',
    });
  }

  status(id: string): IngestStatus {
    return this.get(id).status();
  }

  list(): IngestStatus[] {
    this.prune();
    return [...this.sessions.values()].map((s) => s.status());
  }

  /** The open session named `name` as a live source, or null. */
  /** Names of the open sessions. */
  liveNames(): string[] {
    return [...new Set([...this.sessions.values()].filter((s) => s.open).map((s) => s.name))];
  }

  live(name: string): IngestLive | null {
    const session = [...this.sessions.values()].find((s) => s.open && s.name === name);
    return session ? { hub: session.hub, stream: () => session.stream() } : null;
  }

  /** Finishes every open session (what arrived is kept), then waits a while for spooled uploads. */
  async close(drainMs = 10_000): Promise<void> {
    await Promise.all(
      [...this.sessions.values()].filter((s) => s.open).map((s) => s.finish('shutdown').catch(() => null)),
    );
    await this.uploader.drain(drainMs);
    this.uploader.stop();
  }

  private get(id: string): IngestSession {
    const session = this.sessions.get(id);
    if (!session) {
      throw new KadrError('KADR_ERR_NOT_FOUND', `no ingest session ${id.slice(0, 64)}`, {
        hint: 'open one with POST /api/ingest; an ended session is kept for an hour',
      });
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
