/**
 * The recorder: one RecorderInstance per connection to the source, run by a SourceSupervisor
 * (streams/source-supervisor.ts) that reconnects with back-off when the source drops and hands the
 * gap to the next connection, which marks it in its first segment's index. Before the first
 * connection it stores whatever a previous run left in the spool (a crash, or a store that was down).
 * It emits each stored segment; persisting them in a database is the app's business (recorder does
 * not import db).
 */
import { silentLogger, type Logger } from '../core/logger.js';
import type { RtspTransport } from '../rtsp/index.js';
import { type CameraPullPath, RtspCameraSource, SourceSupervisor } from '../streams/index.js';
import type { SegmentSummary } from './segment-index.js';
import { RecorderInstance, type InstanceResult } from './recorder-instance.js';
import type { RecorderSource } from './recorder-source.js';
import type { SegmentOutcome } from './segment-writer.js';
import { lastRecorded } from './last-recorded.js';
import { orphanJournals } from './spool.js';
import type { RecordingStore } from './store.js';
import { SpoolUploader } from './uploader.js';

export interface RecorderOptions {
  url: string;
  /** What to read instead of opening `url` (which then only names the source). */
  source?: RecorderSource;
  transport?: RtspTransport;
  /** 'auto' (default): kadr's RTP path for H.264/H.265, libavformat's demuxer otherwise. */
  inputPath?: CameraPullPath;
  store: RecordingStore;
  /** Key prefix for segments: '' or ending in '/'. */
  prefix?: string;
  /** Local folder for the crash-safety journals; one per destination (see docs/recording.md). */
  spoolDir: string;
  segmentDurationMs?: number;
  fragmentDurationMs?: number;
  /** A dts step larger than this (or backwards) is a timestamp reset: a new segment starts. */
  timestampJumpMs?: number;
  readTimeoutMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Stop when the source ends the stream (RTCP BYE / EOF) instead of reconnecting. */
  stopOnEnd?: boolean;
  /** How long stop waits for spooled segments to reach the store. */
  drainTimeoutMs?: number;
  fsync?: boolean;
  /** Throw when the very first connection fails (a CLI user's typo) instead of retrying forever. */
  failFirstConnect?: boolean;
  logger?: Logger;
  onSegment?: (segment: RecordedSegment) => void;
}

export interface RecordedSegment extends SegmentSummary {
  /** Path or s3:// URL, as `kadr frame` / `kadr compare` accept it. */
  location: string;
  /** 'live' streamed as recorded; 'spool' stored later from the local journal. */
  via: 'live' | 'spool';
}

export interface RecorderResult {
  /** The source URL without credentials. */
  source: string;
  segments: RecordedSegment[];
  /** Journals not yet stored when the recorder stopped (stored by the next run). */
  pending: string[];
  connections: number;
}

export class Recorder {
  private readonly segments: RecordedSegment[] = [];
  private readonly log: Logger;

  private readonly source: RecorderSource;

  constructor(private readonly o: RecorderOptions) {
    this.log = o.logger ?? silentLogger;
    this.source =
      o.source ??
      new RtspCameraSource(o.url, {
        transport: o.transport ?? 'tcp',
        path: o.inputPath ?? 'auto',
        readTimeoutMs: o.readTimeoutMs ?? 5000,
      });
  }

  /** Records until `signal` aborts or (with stopOnEnd) the source ends; then stores what it has. */
  async run(signal: AbortSignal): Promise<RecorderResult> {
    const uploader = new SpoolUploader({
      store: this.o.store,
      logger: this.log.child({ part: 'spool' }),
      onSegment: (summary) => this.emit(summary, 'spool'),
    });
    const orphans = orphanJournals(this.o.spoolDir);
    // Read before the uploader stores (and removes) the journals.
    const earlier = await lastRecorded(this.o.store, this.o.prefix ?? '', orphans, this.log);
    for (const journal of orphans) {
      this.log.info('storing a segment left in the spool by an earlier run', { journal });
      uploader.enqueue(journal);
    }
    const onSegmentDone = (outcome: SegmentOutcome) => {
      if (outcome.stored) this.emit(outcome.summary, 'live');
      else {
        this.log.warn('segment kept in the spool for a later upload', {
          journal: outcome.journal,
          reason: outcome.reason,
        });
        uploader.enqueue(outcome.journal);
      }
    };
    // The first segment marks the gap since an earlier run's last frame.
    let earlierGap = !earlier
      ? null
      : {
          fromMs: earlier.atMs,
          reason: earlier.crashed ? 'recorder died and was restarted' : 'recorder restarted',
        };
    const supervisor = new SourceSupervisor({
      signal,
      reconnectMinMs: this.o.reconnectMinMs ?? 500,
      reconnectMaxMs: this.o.reconnectMaxMs ?? 30_000,
      probe: () => this.source.probe(),
      logger: this.log,
    });
    await supervisor.run(
      async ({ connection, gapBefore }) => {
        const instance: RecorderInstance = new RecorderInstance({
          source: this.source,
          prefix: this.o.prefix ?? '',
          segmentDurationMs: this.o.segmentDurationMs ?? 60_000,
          timestampJumpMs: this.o.timestampJumpMs ?? 10_000,
          connection,
          gapBefore: gapBefore ?? earlierGap,
          signal,
          onSegmentDone,
          store: this.o.store,
          spoolDir: this.o.spoolDir,
          fsync: this.o.fsync ?? true,
          fragmentDurationMs: this.o.fragmentDurationMs ?? 1000,
          maxLiveBacklogBytes: 64 << 20,
          logger: this.log,
        });
        const result: InstanceResult = await instance.run();
        if (result.framesReceived > 0) earlierGap = null;
        if (result.stopped) return { kind: 'done' };
        if (result.sourceEnded && (this.o.stopOnEnd ?? true)) {
          this.log.info('source ended the stream');
          return { kind: 'done' };
        }
        return {
          kind: 'lost',
          reason: result.end.kind === 'error' ? result.end.message : 'connection closed by the source',
          framesReceived: result.framesReceived,
          lastReceivedAtMs: result.lastReceivedAtMs,
        };
      },
      async (error, connection) => {
        if (connection === 1 && this.o.failFirstConnect) {
          await uploader.drain(this.o.drainTimeoutMs ?? 60_000);
          uploader.stop();
          throw error;
        }
      },
    );
    const pending = await uploader.drain(this.o.drainTimeoutMs ?? 60_000);
    uploader.stop();
    if (pending.length) this.log.warn('segments left in the spool for the next run', { pending });
    return {
      source: this.source.name,
      segments: [...this.segments].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
      pending,
      connections: supervisor.connections,
    };
  }

  private emit(summary: SegmentSummary, via: 'live' | 'spool'): void {
    const segment: RecordedSegment = { ...summary, location: this.o.store.describe(summary.key), via };
    this.segments.push(segment);
    this.log.info('segment stored', {
      key: segment.key,
      frames: segment.frames,
      via,
      ...(segment.lostPackets > 0
        ? {
            lostPackets: segment.lostPackets,
            damagedFrames: segment.damagedFrames,
            incompleteFrames: segment.incompleteFrames,
          }
        : {}),
    });
    this.o.onSegment?.(segment);
  }
}
