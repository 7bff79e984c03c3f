/**
 * One ingest session: JPEG frames posted one by one become one H.264 recording in the object store,
 * encoded as they arrive (docs/ingest.md). Each frame's PTS is its capture time in ms after the first
 * frame's (time base 1/1000), so the recording keeps the client's exact, variable frame times; each
 * frame's wallclock in the frame index is its capture time.
 *
 * Frames are handled one at a time in arrival order (a promise chain), so the order and duplicate
 * checks see them as they came. The encoded units go to the recorder's SegmentWriter (fMP4 through the
 * spool into the store, the frame index beside it) and to a StreamHub that live viewers subscribe to.
 */
import { randomUUID } from 'node:crypto';
import { KadrError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { MediaUnit } from '../../core/media-unit.js';
import { JpegH264Encoder, type EncodedUnit } from '../../media/index.js';
import {
  SegmentWriter,
  streamFromKeyframe,
  type RecordingStore,
  type SegmentOutcome,
  type SegmentSummary,
} from '../../recorder/index.js';
import { StreamHub, type CameraUnit, type LiveStreamInfo } from '../../streams/index.js';
import type { PushLink } from './push-camera-port.js';

export type IngestState = 'open' | 'finishing' | 'finished' | 'spooled' | 'failed';
/** Why a session ended: the client finished it, it went quiet, or the server stopped. */
export type IngestEndReason = 'finish' | 'idle' | 'shutdown' | 'error';

export interface IngestRecording {
  /** Path or s3:// URL of the recording, as `kadr frame` and `kadr index` accept it. */
  key: string;
  /** Its key in the object store. */
  objectKey: string;
  indexKey: string;
  frames: number;
  /** Capture time of the first and last frame, ISO 8601 with ms. */
  firstFrameTime: string;
  lastFrameTime: string;
  width: number;
  height: number;
  bytes: number;
}

export interface IngestStatus {
  id: string;
  name: string;
  state: IngestState;
  createdAt: string;
  frames: number;
  rejected: { outOfOrder: number; duplicate: number; corrupt: number };
  width: number | null;
  height: number | null;
  firstFrameTime: string | null;
  lastFrameTime: string | null;
  endReason: IngestEndReason | null;
  recording: IngestRecording | null;
  error: string | null;
  viewers: number;
}

export interface IngestSessionDeps {
  store: RecordingStore;
  spoolDir: string;
  idleMs: number;
  log: Logger;
  /** A segment whose store upload failed: its spool journal, stored later by the uploader. */
  onSpooled: (journal: string) => void;
  /** The push camera the session is (its units go to the camera's hub); null without a registry. */
  link: PushLink | null;
  /** The recording is stored: it becomes the camera's segment (before the session answers). */
  onStored: (summary: SegmentSummary) => Promise<void>;
}

const MS = { num: 1, den: 1000 };

export class IngestSession {
  readonly id = randomUUID();
  readonly createdAtMs = Date.now();
  readonly hub = new StreamHub<MediaUnit>();
  state: IngestState = 'open';
  endReason: IngestEndReason | null = null;
  frames = 0;
  readonly rejected = { outOfOrder: 0, duplicate: 0, corrupt: 0 };
  endedAtMs: number | null = null;
  private firstMs: number | null = null;
  private lastMs: number | null = null;
  private encoder: JpegH264Encoder | null = new JpegH264Encoder();
  private segment: SegmentWriter | null = null;
  private track: LiveStreamInfo | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private idleTimer: NodeJS.Timeout | null = null;
  private ending: Promise<IngestRecording | null> | null = null;
  private recording: IngestRecording | null = null;
  private error: string | null = null;
  private readonly log: Logger;

  constructor(
    readonly name: string,
    private readonly deps: IngestSessionDeps,
  ) {
    this.log = deps.log.child({ ingest: this.id, name });
    this.armIdle();
  }

  /** Adds one frame; resolves once it is encoded and handed to the recording. */
  addFrame(jpeg: Buffer, captureMs: number): Promise<{ frame: number; ptsMs: number }> {
    return this.serial(async () => {
      this.requireOpen();
      this.armIdle();
      if (this.lastMs !== null && captureMs <= this.lastMs) {
        const same = captureMs === this.lastMs;
        if (same) this.rejected.duplicate++;
        else this.rejected.outOfOrder++;
        throw new KadrError(
          'KADR_ERR_CONFLICT',
          same
            ? `a frame captured at ${iso(captureMs)} was already added: frame times must be unique`
            : `frame captured at ${iso(captureMs)} is older than the last one added (${iso(this.lastMs)}): frames must come in capture order`,
          { hint: 'the frame was not added; the session goes on with the next frame' },
        );
      }
      const encoder = this.encoder!;
      try {
        encoder.decode(jpeg);
      } catch (error) {
        this.rejected.corrupt++;
        throw new KadrError('KADR_ERR_VALIDATION', `frame refused: ${(error as Error).message}`, {
          hint: 'the frame was not added; the session goes on with the next frame',
        });
      }
      const firstMs = (this.firstMs ??= captureMs);
      const ptsMs = captureMs - firstMs;
      try {
        this.take(await encoder.encode(BigInt(ptsMs)));
      } catch (error) {
        await this.fail(error as Error);
        throw error;
      }
      this.lastMs = captureMs;
      this.frames++;
      return { frame: this.frames - 1, ptsMs };
    });
  }

  /** Ends the session and stores what arrived; the same answer however often it is called. */
  finish(reason: IngestEndReason = 'finish'): Promise<IngestRecording | null> {
    this.ending ??= this.serial(() => this.end(reason));
    return this.ending;
  }

  /** The live view of the session: its hub, and the track once the first keyframe is known. */
  stream(): LiveStreamInfo | null {
    return this.track;
  }

  get open(): boolean {
    return this.state === 'open';
  }

  status(): IngestStatus {
    return {
      id: this.id,
      name: this.name,
      state: this.state,
      createdAt: new Date(this.createdAtMs).toISOString(),
      frames: this.frames,
      rejected: { ...this.rejected },
      width: this.track?.info.width ?? null,
      height: this.track?.info.height ?? null,
      firstFrameTime: this.firstMs === null ? null : iso(this.firstMs),
      lastFrameTime: this.lastMs === null ? null : iso(this.lastMs),
      endReason: this.endReason,
      recording: this.recording,
      error: this.error,
      viewers: this.hub.subscribers,
    };
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private requireOpen(): void {
    if (this.state !== 'open') {
      throw new KadrError(
        'KADR_ERR_CONFLICT',
        `ingest session ${this.id} is ${this.state}: it takes no more frames`,
        {
          hint: 'open a new session with POST /api/ingest',
        },
      );
    }
  }

  private armIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.log.info('no frame for the idle timeout: finishing the session', { idleMs: this.deps.idleMs });
      this.finish('idle').catch(() => undefined);
    }, this.deps.idleMs);
    this.idleTimer.unref();
  }

  /** Encoded units to the recording and the live hub; frees their packets. */
  private take(units: EncodedUnit[]): void {
    const firstMs = this.firstMs!;
    const now = Date.now();
    try {
      for (const u of units) {
        const unit: CameraUnit = {
          timeBase: MS,
          pts: u.ptsMs,
          dts: u.ptsMs,
          key: u.key,
          ntpMs: firstMs + Number(u.ptsMs),
          receivedAtMs: now,
          data: u.packet,
          ptsEstimated: false,
        };
        const live: MediaUnit = { ...unit, data: Buffer.from(u.packet.data ?? Buffer.alloc(0)) };
        if (!this.segment) {
          this.track ??= streamFromKeyframe(live);
          if (!this.track?.track)
            throw new KadrError('KADR_ERR_INTERNAL', 'the first H.264 unit is no keyframe with SPS and PPS');
          const name = `${new Date(firstMs).toISOString().replace(/:/g, '-')}-${this.id.slice(0, 8)}`;
          const prefix = `ingest/${this.name}/${name}`;
          this.segment = new SegmentWriter(
            this.track.track,
            {
              key: `${prefix}.mp4`,
              indexKey: `${prefix}.index.json`,
              source: `ingest:${this.name}`,
              codec: 'h264',
              width: this.track.info.width,
              height: this.track.info.height,
              timeBase: MS,
              connection: 1,
              startedAtMs: now,
              startReason: 'connect',
              gapBefore: null,
              droppedBeforeKeyframe: 0,
            },
            unit,
            {
              store: this.deps.store,
              spoolDir: this.deps.spoolDir,
              fsync: true,
              fragmentDurationMs: 1000,
              maxLiveBacklogBytes: 64 << 20,
              logger: this.log,
            },
          );
        } else this.segment.write(unit);
        this.hub.publish(live);
        this.deps.link?.unit(live);
      }
    } finally {
      for (const u of units) u.packet.free();
    }
  }

  private async end(reason: IngestEndReason): Promise<IngestRecording | null> {
    if (this.state !== 'open') return this.recording;
    this.state = 'finishing';
    this.endReason = reason;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    try {
      if (this.encoder && this.segment) this.take(await this.encoder.flush());
    } catch (error) {
      await this.fail(error as Error);
      return null;
    }
    this.closeEncoder();
    this.hub.finish();
    await this.deps.link?.end(reason);
    const segment = this.segment;
    this.segment = null;
    if (!segment) {
      this.settle('finished');
      this.log.info('session ended without frames', { reason });
      return null;
    }
    let outcome: SegmentOutcome;
    try {
      outcome = await segment.finish(reason === 'shutdown' ? 'stopped' : 'end-of-stream', null);
    } catch (error) {
      outcome = { stored: false, journal: segment.abandon(), reason: (error as Error).message };
    }
    if (!outcome.stored) {
      this.error = `the store did not take the recording (${outcome.reason}); it is kept in the spool and stored when the store is back`;
      this.deps.onSpooled(outcome.journal);
      this.settle('spooled');
      this.log.warn('recording kept in the spool', { reason: outcome.reason });
      return null;
    }
    this.recording = this.describe(outcome.summary);
    await this.deps.onStored(outcome.summary);
    this.settle('finished');
    this.log.info('session finished', { reason, frames: this.frames, key: this.recording.objectKey });
    return this.recording;
  }

  /** The encoder failed (an internal error): what is recorded so far is kept, the session ends. */
  private async fail(error: Error): Promise<void> {
    if (this.state === 'failed') return;
    this.log.error('ingest session failed', { error: error.message });
    this.error = error.message;
    this.endReason = 'error';
    this.closeEncoder();
    this.hub.finish({ kind: 'error', message: error.message });
    await this.deps.link?.end('error');
    const segment = this.segment;
    this.segment = null;
    if (segment) {
      const outcome = await segment.finish('end-of-stream', null).catch((e: unknown) => ({
        stored: false as const,
        journal: segment.abandon(),
        reason: (e as Error).message,
      }));
      if (outcome.stored) {
        this.recording = this.describe(outcome.summary);
        await this.deps.onStored(outcome.summary);
      } else this.deps.onSpooled(outcome.journal);
    }
    this.settle('failed');
  }

  private settle(state: IngestState): void {
    this.state = state;
    this.endedAtMs = Date.now();
    if (this.idleTimer) clearTimeout(this.idleTimer);
  }

  private closeEncoder(): void {
    this.encoder?.close();
    this.encoder = null;
  }

  private describe(summary: SegmentSummary): IngestRecording {
    return {
      key: this.deps.store.describe(summary.key),
      objectKey: summary.key,
      indexKey: summary.indexKey,
      frames: summary.frames,
      firstFrameTime: iso(summary.firstWallclockMs),
      lastFrameTime: iso(summary.lastWallclockMs),
      width: this.track!.info.width,
      height: this.track!.info.height,
      bytes: summary.bytes,
    };
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
