/**
 * The recorder supervisor (MediaMTX recorder run loop, STYLE §3.3): it runs one RecorderInstance per
 * connection to the source and starts a new one with back-off when the source drops, marking the gap
 * in the next segment's index. Before the first connection it stores whatever a previous run left in
 * the spool (a crash, or a store that was down). It emits each stored segment; persisting them in a
 * database is the app's business (recorder does not import db).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger, type Logger } from '../core/logger.js';
import { redactUrl } from '../core/redact-url.js';
import type { RtspTransport } from '../rtsp/rtsp-client.js';
import type { CameraPullPath } from '../streams/camera-pull.js';
import type { SegmentSummary } from './frame-index.js';
import { RecorderInstance, type InstanceResult } from './recorder-instance.js';
import type { SegmentOutcome } from './segment-writer.js';
import { lastRecorded } from './last-recorded.js';
import { orphanJournals } from './spool.js';
import type { RecordingStore } from './store.js';
import { SpoolUploader } from './uploader.js';

export interface RecorderOptions {
  url: string;
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

  constructor(private readonly o: RecorderOptions) {
    this.log = o.logger ?? silentLogger;
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
    const minMs = this.o.reconnectMinMs ?? 500;
    const maxMs = this.o.reconnectMaxMs ?? 30_000;
    let backoffMs = minMs;
    let connection = 0;
    // The first segment marks the gap since an earlier run's last frame.
    let lastReceivedAtMs: number | null = earlier?.atMs ?? null;
    let lostReason = !earlier
      ? ''
      : earlier.crashed
        ? 'recorder died and was restarted'
        : 'recorder restarted';
    while (!signal.aborted) {
      connection++;
      const instance: RecorderInstance = new RecorderInstance({
        url: this.o.url,
        transport: this.o.transport ?? 'tcp',
        inputPath: this.o.inputPath ?? 'auto',
        prefix: this.o.prefix ?? '',
        segmentDurationMs: this.o.segmentDurationMs ?? 60_000,
        timestampJumpMs: this.o.timestampJumpMs ?? 10_000,
        readTimeoutMs: this.o.readTimeoutMs ?? 5000,
        connection,
        gapBefore: lastReceivedAtMs === null ? null : { fromMs: lastReceivedAtMs, reason: lostReason },
        signal,
        onSegmentDone,
        store: this.o.store,
        spoolDir: this.o.spoolDir,
        fsync: this.o.fsync ?? true,
        fragmentDurationMs: this.o.fragmentDurationMs ?? 1000,
        maxLiveBacklogBytes: 64 << 20,
        logger: this.log,
      });
      try {
        const result: InstanceResult = await instance.run();
        if (result.lastReceivedAtMs !== null) lastReceivedAtMs = result.lastReceivedAtMs;
        if (result.stopped) break;
        if (result.sourceEnded && (this.o.stopOnEnd ?? true)) {
          this.log.info('source ended the stream');
          break;
        }
        lostReason = result.end.kind === 'error' ? result.end.message : 'connection closed by the source';
        if (result.framesReceived > 0) backoffMs = minMs;
        if (result.framesReceived === 0 && !lostReason) lostReason = 'no frames from the source';
      } catch (error) {
        if (signal.aborted) break;
        if (connection === 1 && this.o.failFirstConnect) {
          await uploader.drain(this.o.drainTimeoutMs ?? 60_000);
          uploader.stop();
          throw error;
        }
        // The gap's reason stays what ended the last connection, not the failed attempts after it.
        if (!lostReason) lostReason = (error as Error).message;
        this.log.warn('cannot connect to the source', { error: lostReason, retryInMs: backoffMs });
      }
      try {
        await sleep(backoffMs, undefined, { signal });
      } catch {
        break;
      }
      backoffMs = Math.min(maxMs, backoffMs * 2);
    }
    const pending = await uploader.drain(this.o.drainTimeoutMs ?? 60_000);
    uploader.stop();
    if (pending.length) this.log.warn('segments left in the spool for the next run', { pending });
    return {
      source: redactUrl(this.o.url),
      segments: [...this.segments].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
      pending,
      connections: connection,
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
