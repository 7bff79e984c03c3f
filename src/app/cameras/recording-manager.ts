/**
 * Continuous recording of cameras (docs/camera-recording.md): one Recorder per recording camera,
 * reading the camera's stream hub (recorder/hub-source.ts), segments under
 * `cameras/<camera id>/` in the object store, and a row per stored segment and per gap in PostgreSQL.
 * It satisfies the CameraRecordingControl the cameras service uses (start / stop / isRecording).
 *
 * Rows are written after the segment and its index are stored (the recorder emits a segment only
 * then), so a row always names complete objects; a row that could not be written (database down) is
 * retried with the next segment, and start() adds rows for indexed segments under the camera's prefix
 * that have none (a crash between the upload and the insert).
 *
 * Retention (sweep()): per camera, segments that ended more than `retention_max_age_s` ago, then the
 * oldest until the rest fit in `retention_max_bytes`. Order: the row is marked first (`deleting_at`:
 * no query hands it out any more), then the index and the media are deleted, then the row. A crash
 * after the mark leaves a row that still names its objects; the next sweep deletes them (deleting a
 * missing object is no error) and the row. So nothing in the store is left without a row naming it,
 * and no visible row names a missing object. A segment still being recorded has no row yet: retention
 * never touches it.
 */
import path from 'node:path';
import { KadrError } from '../../core/errors.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import type { MediaUnit } from '../../core/media-unit.js';
import type { CameraRecordingsRepository } from '../../db/index.js';
import {
  HUB_RECONNECT_MIN_MS,
  Recorder,
  hubRecorderSource,
  type RecordedSegment,
  type RecordingStore,
  type SegmentIndexJson,
  summarizeSegment,
} from '../../recorder/index.js';
import type { HubSubscription, LiveStreamInfo } from '../../streams/index.js';

/** Where a camera's units come from: the live runtime (LiveCameras) in a server. */
export interface CameraFeeds {
  /** A subscription to the camera's hub (LiveCameras.acquire(id, 'recorder')); throws when unknown. */
  subscribe(cameraId: string): HubSubscription<MediaUnit>;
  /**
   * The camera's current connection, as a muxer needs it (LiveCamera.stream()). Optional: without it
   * the keyframes' in-band parameter sets describe the stream (recorder/in-band-track.ts).
   */
  stream?(cameraId: string): LiveStreamInfo | null;
}

/** The store a recording needs: the recorder's, with list and get for the repair at start. */
export type CameraRecordingStore = Omit<RecordingStore, 'list' | 'get'> & {
  list(prefix: string): AsyncIterable<{ key: string; size: number }>;
  get: NonNullable<RecordingStore['get']>;
};

export interface RecordingManagerOptions {
  repo: CameraRecordingsRepository;
  store: CameraRecordingStore;
  feeds: CameraFeeds;
  /** Folder for the recorders' crash-safety journals; one subfolder per camera. */
  spoolDir: string;
  segmentDurationMs?: number;
  fsync?: boolean;
  logger?: Logger;
  /** Called after a segment's row is written (tests, metrics). */
  onSegment?: (cameraId: string, segmentId: string, segment: RecordedSegment) => void;
}

interface Running {
  stop: AbortController;
  done: Promise<void>;
  /** Rows not yet written (the database refused): retried with the next segment. */
  unsaved: RecordedSegment[];
  /**
   * The camera came from another node (docs/nodes.md): the time between the last stored segment
   * and this run's first is a gap with this reason, written with the first segment's row.
   */
  handover: string | undefined;
  /** The segment the handover gap ends at (its own gapBefore is that hole, not stored again). */
  handedOverAt?: string;
  writes: Promise<void>;
}

/** How long a pre-roll taken for a trigger waits for its start(). */
const PRE_ROLL_HOLD_MS = 10_000;

export class RecordingManager {
  private readonly running = new Map<string, Running>();
  /** Subscriptions taken at a trigger's instant for the start() that follows (holdPreRoll). */
  private readonly preRolls = new Map<string, { sub: HubSubscription<MediaUnit>; timer: NodeJS.Timeout }>();
  /** Recordings being stopped (their last segment on its way), by camera. */
  private readonly stopping = new Map<string, Promise<void>>();
  private readonly log: Logger;
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;

  constructor(private readonly o: RecordingManagerOptions) {
    this.log = o.logger ?? silentLogger;
  }

  /** The key prefix of a camera's recording. */
  static prefix(cameraId: string): string {
    return `cameras/${cameraId}/`;
  }

  /** Joins the camera's hub now; the next start() within PRE_ROLL_HOLD_MS records from there. */
  holdPreRoll(cameraId: string): void {
    if (this.running.has(cameraId) || this.preRolls.has(cameraId)) return;
    let sub: HubSubscription<MediaUnit>;
    try {
      sub = this.o.feeds.subscribe(cameraId);
    } catch {
      return; // not running here: start() subscribes when it is
    }
    const timer = setTimeout(() => this.takePreRoll(cameraId)?.close(), PRE_ROLL_HOLD_MS);
    timer.unref();
    this.preRolls.set(cameraId, { sub, timer });
  }

  private takePreRoll(cameraId: string): HubSubscription<MediaUnit> | undefined {
    const held = this.preRolls.get(cameraId);
    if (!held) return undefined;
    this.preRolls.delete(cameraId);
    clearTimeout(held.timer);
    return held.sub;
  }

  isRecording(cameraId: string): boolean {
    return this.running.has(cameraId);
  }

  /**
   * Starts recording a camera (nothing when it already records). `gapReason`: the camera was
   * recorded by another node before; the time since that node's last segment is stored as a gap.
   */
  async start(cameraId: string, gapReason?: string): Promise<void> {
    // A stop still storing the last segment: this start is a new run (the camera came back, maybe
    // from another node with a gap reason), not the one ending; returning early would lose both.
    await this.stopping.get(cameraId);
    if (this.running.has(cameraId)) return;
    if (!(await this.o.repo.cameraExists(cameraId))) {
      throw new KadrError('KADR_ERR_NOT_FOUND', `camera ${cameraId} does not exist`);
    }
    if (this.running.has(cameraId)) return;
    const stop = new AbortController();
    const run: Running = {
      stop,
      done: Promise.resolve(),
      unsaved: [],
      writes: Promise.resolve(),
      handover: gapReason,
    };
    this.running.set(cameraId, run);
    const log = this.log.child({ camera: cameraId });
    // Subscribed before the repair below: the recording starts at the keyframe the hub keeps now (a
    // trigger's pre-roll, docs/cameras.md "Groups and triggers"), not at one that comes meanwhile.
    let early: HubSubscription<MediaUnit> | undefined = this.takePreRoll(cameraId);
    try {
      early ??= this.o.feeds.subscribe(cameraId);
    } catch {
      // Not running yet: the recorder subscribes when it is.
    }
    await this.repair(cameraId, log);
    const recorder = new Recorder({
      url: `camera:${cameraId}`,
      source: hubRecorderSource({
        name: `camera ${cameraId}`,
        open: () => {
          const sub = early ?? this.o.feeds.subscribe(cameraId);
          early = undefined;
          return sub;
        },
        stream: () => this.o.feeds.stream?.(cameraId) ?? null,
      }),
      store: this.o.store,
      prefix: RecordingManager.prefix(cameraId),
      spoolDir: path.join(this.o.spoolDir, cameraId),
      segmentDurationMs: this.o.segmentDurationMs ?? 60_000,
      reconnectMinMs: HUB_RECONNECT_MIN_MS,
      reconnectMaxMs: 5000,
      stopOnEnd: false,
      fsync: this.o.fsync ?? true,
      logger: log,
      onSegment: (segment) => {
        run.unsaved.push(segment);
        run.writes = run.writes.then(() => this.save(cameraId, run, log));
      },
    });
    run.done = recorder
      .run(stop.signal)
      .then(
        (result) => {
          if (result.pending.length) log.warn('segments left in the spool', { pending: result.pending });
        },
        (error: unknown) => log.error('recording failed', { error: (error as Error).message }),
      )
      .finally(() => early?.close());
  }

  /** Stops recording a camera: its last segment is finished, stored and written down first. */
  async stop(cameraId: string): Promise<void> {
    const inFlight = this.stopping.get(cameraId);
    if (inFlight) return inFlight;
    const run = this.running.get(cameraId);
    if (!run) return;
    const stopping = (async () => {
      run.stop.abort();
      await run.done;
      await run.writes;
      if (run.unsaved.length) await this.save(cameraId, run, this.log.child({ camera: cameraId }));
    })().finally(() => {
      if (this.running.get(cameraId) === run) this.running.delete(cameraId);
      this.stopping.delete(cameraId);
    });
    this.stopping.set(cameraId, stopping);
    return stopping;
  }

  /** Starts every camera the registry says to record; returns how many. */
  async startConfigured(): Promise<number> {
    const cameras = (await this.o.repo.cameraSettings()).filter((c) => c.record);
    for (const c of cameras) {
      await this.start(c.id).catch((error: unknown) =>
        this.log.error('cannot start recording', { camera: c.id, error: (error as Error).message }),
      );
    }
    return cameras.length;
  }

  /** Runs the retention sweep every `intervalMs` (and once now). */
  startSweeps(intervalMs: number, now: () => number = Date.now): void {
    const tick = () => {
      this.sweeping ??= this.sweep(now())
        .then(() => undefined)
        .catch((error: unknown) =>
          this.log.error('retention sweep failed', { error: (error as Error).message }),
        )
        .finally(() => (this.sweeping = null));
    };
    tick();
    this.sweepTimer = setInterval(tick, intervalMs);
    this.sweepTimer.unref();
  }

  /** One retention pass over every camera; returns the segments deleted. */
  async sweep(nowMs: number = Date.now()): Promise<number> {
    const repo = this.o.repo;
    let deleted = 0;
    // What an earlier sweep marked and did not finish (it crashed between the mark and the delete).
    for (const row of await repo.markedForDeletion()) deleted += await this.remove(row);
    for (const cam of await repo.cameraSettings()) {
      if (cam.retentionMaxAgeS === null && cam.retentionMaxBytes === null) continue;
      const olderThan = cam.retentionMaxAgeS === null ? null : nowMs - cam.retentionMaxAgeS * 1000;
      const marked = await repo.markExpired(cam.id, olderThan, cam.retentionMaxBytes);
      for (const row of marked) deleted += await this.remove(row);
      if (marked.length) {
        const oldest = (await repo.segmentsBetween(cam.id, 0, 8.64e15))[0];
        await repo.deleteGapsBefore(cam.id, oldest ? oldest.firstFrameMs : nowMs);
        this.log.info('retention deleted segments', { camera: cam.id, segments: marked.length });
      }
    }
    return deleted;
  }

  /** Stops every recording and the sweeps. */
  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const id of [...this.preRolls.keys()]) this.takePreRoll(id)?.close();
    await Promise.all([...this.running.keys()].map((id) => this.stop(id)));
    await this.sweeping;
  }

  private async remove(row: { id: string; objectKey: string; indexKey: string }): Promise<number> {
    // The index first: a segment without its index is incomplete to every reader (docs/recording.md).
    await this.o.store.delete(row.indexKey);
    await this.o.store.delete(row.objectKey);
    await this.o.repo.deleteSegment(row.id);
    return 1;
  }

  private async save(cameraId: string, run: Running, log: Logger): Promise<void> {
    while (run.unsaved.length) {
      const segment = run.unsaved[0]!;
      try {
        // The hole across a takeover ends at this run's first live segment. A segment stored from
        // the spool (a journal a dead recorder left, possibly the previous owner's when nodes share
        // a host's spool) was recorded before it, so the gap is measured after its row is written.
        // That first live segment's own gapBefore (the recorder saw an earlier run's last frame in
        // the store or the spool) is the same hole: only the handover gap, with its reason, is kept.
        if (run.handover && segment.via === 'live') {
          await this.handoverGap(cameraId, run.handover, segment, log);
          run.handover = undefined;
          run.handedOverAt = segment.key;
        }
        const id = await this.o.repo.insertSegment(segmentRow(cameraId, segment));
        if (segment.gapBefore && segment.key !== run.handedOverAt) {
          await this.o.repo.insertGap({
            cameraId,
            fromMs: segment.gapBefore.fromMs,
            toMs: segment.gapBefore.toMs,
            reason: segment.gapBefore.reason,
          });
        }
        run.unsaved.shift();
        this.o.onSegment?.(cameraId, id, segment);
      } catch (error) {
        log.warn('segment stored but not yet in the database; retried with the next one', {
          key: segment.key,
          error: (error as Error).message,
        });
        return;
      }
    }
  }

  /** The gap from the previous owner's last segment to this node's first (measured and logged). */
  private async handoverGap(cameraId: string, reason: string, first: RecordedSegment, log: Logger) {
    const lastEndMs = await this.o.repo.lastSegmentEnd(cameraId);
    if (lastEndMs === null || lastEndMs >= first.firstWallclockMs) return;
    await this.o.repo.insertGap({ cameraId, fromMs: lastEndMs, toMs: first.firstWallclockMs, reason });
    log.info('recording gap across nodes', {
      reason,
      gapMs: Math.round(first.firstWallclockMs - lastEndMs),
      from: new Date(lastEndMs).toISOString(),
      to: new Date(first.firstWallclockMs).toISOString(),
    });
  }

  /** Rows for indexed segments under the camera's prefix that have none. */
  private async repair(cameraId: string, log: Logger): Promise<void> {
    try {
      const known = await this.o.repo.objectKeys(cameraId);
      const sizes = new Map<string, number>();
      for await (const { key, size } of this.o.store.list(RecordingManager.prefix(cameraId))) {
        sizes.set(key, size);
      }
      for (const key of sizes.keys()) {
        if (!key.endsWith('.index.json')) continue;
        const media = key.slice(0, -'.index.json'.length) + '.mp4';
        if (known.has(media) || !sizes.has(media)) continue;
        const chunks: Buffer[] = [];
        for await (const c of await this.o.store.get(key)) chunks.push(c as Buffer);
        const index = JSON.parse(Buffer.concat(chunks).toString()) as SegmentIndexJson;
        if (!index.frames) continue;
        const summary = summarizeSegment(index, key, sizes.get(media)!);
        await this.o.repo.insertSegment(segmentRow(cameraId, summary));
        if (summary.gapBefore) await this.o.repo.insertGap({ cameraId, ...summary.gapBefore });
        log.info('segment without a database row found and added', { key: media });
      }
    } catch (error) {
      log.warn('could not check the store for segments without rows', { error: (error as Error).message });
    }
  }
}

/** A stored segment as its camera_segments row (the recorder's, and a push camera's sessions'). */
export function segmentRow(cameraId: string, s: Omit<RecordedSegment, 'location' | 'via'>) {
  return {
    cameraId,
    objectKey: s.key,
    indexKey: s.indexKey,
    firstFrameMs: s.firstWallclockMs,
    lastFrameMs: s.lastWallclockMs,
    // The segment's span is first frame to the end of the last one (durationMs).
    endsMs: s.firstWallclockMs + s.durationMs,
    wallclockFrom: s.wallclockFrom,
    firstPtsTicks: s.firstPtsTicks,
    lastPtsTicks: s.lastPtsTicks,
    timeBase: s.timeBase,
    frames: s.frames,
    bytes: s.bytes,
    startedReason: s.startReason,
    endedReason: s.endReason,
  };
}
