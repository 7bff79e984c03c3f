/**
 * One segment: packets -> fMP4 (Fmp4Writer) -> at the same time (a) streamed into the store as the
 * fragments are made and (b) appended to a spool journal. If the live upload fails (store down) or the
 * process dies, the journal still holds every complete fragment and is stored later (uploader.ts).
 */
import { PassThrough } from 'node:stream';
import type { Logger } from '../core/logger.js';
import { Fmp4Writer, type Fmp4TrackSource } from '../media/fmp4-writer.js';
import type { Fmp4Piece } from '../media/fmp4-boxes.js';
import type { RtspVideoUnit } from '../media/rtsp-input.js';
import {
  buildFrameIndex,
  summarize,
  type FrameRecord,
  type SegmentEnd,
  type SegmentHeader,
  type SegmentSummary,
} from './frame-index.js';
import { SpoolJournal } from './spool.js';
import type { RecordingStore } from './store.js';

export interface SegmentWriterOptions {
  store: RecordingStore;
  spoolDir: string;
  fsync: boolean;
  fragmentDurationMs: number;
  /** Above this many bytes waiting for the store, the live upload is given up (the spool keeps them). */
  maxLiveBacklogBytes: number;
  logger: Logger;
}

export type SegmentOutcome =
  { stored: true; summary: SegmentSummary } | { stored: false; journal: string; reason: string };

export class SegmentWriter {
  readonly firstPtsTicks: bigint;
  lastDtsTicks: bigint;
  maxPtsTicks: bigint;
  frames = 0;
  private readonly writer: Fmp4Writer;
  private readonly journal: SpoolJournal;
  private readonly pending: FrameRecord[] = [];
  private readonly committed: FrameRecord[] = [];
  private readonly live = new PassThrough({ highWaterMark: 1 << 20 });
  private readonly liveAbort = new AbortController();
  private liveFailure: string | null = null;
  private readonly livePut: Promise<void>;

  constructor(
    track: Fmp4TrackSource,
    readonly header: SegmentHeader,
    first: RtspVideoUnit,
    private readonly options: SegmentWriterOptions,
  ) {
    this.firstPtsTicks = first.ptsTicks;
    this.lastDtsTicks = first.dtsTicks;
    this.maxPtsTicks = first.ptsTicks;
    this.journal = SpoolJournal.create(options.spoolDir, header, { fsync: options.fsync });
    this.live.on('error', () => {});
    this.livePut = options.store
      .put(header.key, this.live, { contentType: 'video/mp4', signal: this.liveAbort.signal })
      .then(
        () => {},
        (error: unknown) => this.failLive(`upload failed: ${(error as Error).message}`),
      );
    this.writer = new Fmp4Writer(track, {
      fragmentDurationUs: options.fragmentDurationMs * 1000,
      onPiece: (piece) => this.onPiece(piece),
    });
    this.write(first);
  }

  /** Adds one access unit (the caller still frees its packet). */
  write(unit: RtspVideoUnit): void {
    this.pending.push({
      ptsTicks: unit.ptsTicks,
      dtsTicks: unit.dtsTicks,
      key: unit.key,
      receivedAtMs: unit.receivedAtMs,
      ntpMs: unit.ntpMs,
      ptsEstimated: unit.ptsEstimated,
    });
    this.lastDtsTicks = unit.dtsTicks;
    if (unit.ptsTicks > this.maxPtsTicks) this.maxPtsTicks = unit.ptsTicks;
    this.frames++;
    this.writer.write(unit.packet);
  }

  /**
   * Writes the last fragment, ends the journal and the live upload, and stores the index. When the
   * live upload failed the outcome names the journal to hand to the uploader.
   */
  async finish(endReason: SegmentEnd, nextPtsTicks: bigint | null): Promise<SegmentOutcome> {
    this.writer.close();
    this.journal.writeEnd(endReason, nextPtsTicks);
    this.journal.close();
    this.live.end();
    await this.livePut;
    if (this.liveFailure) return { stored: false, journal: this.journal.path, reason: this.liveFailure };
    const index = buildFrameIndex(this.header, this.committed, endReason, nextPtsTicks);
    try {
      await this.options.store.put(this.header.indexKey, Buffer.from(JSON.stringify(index)), {
        contentType: 'application/json',
      });
    } catch (error) {
      return {
        stored: false,
        journal: this.journal.path,
        reason: `index upload failed: ${(error as Error).message}`,
      };
    }
    this.journal.remove();
    return { stored: true, summary: summarize(index, this.header.indexKey) };
  }

  /** Drops the segment without finishing it (used when the writer itself failed). */
  abandon(): string {
    this.writer.abandon();
    this.journal.close();
    this.failLive('abandoned');
    return this.journal.path;
  }

  private onPiece(piece: Fmp4Piece): void {
    if (piece.kind === 'init') this.journal.writeInit(piece.bytes);
    else if (piece.kind === 'fragment') {
      const frames = this.pending.splice(0, piece.samples);
      this.committed.push(...frames);
      this.journal.writeFragment(piece.bytes, frames);
    } else this.journal.writeTrailer(piece.bytes);
    if (this.liveFailure) return;
    if (this.live.writableLength > this.options.maxLiveBacklogBytes) {
      this.failLive(`store too slow: ${this.live.writableLength} bytes waiting`);
      return;
    }
    this.live.write(piece.bytes);
  }

  private failLive(reason: string): void {
    if (this.liveFailure) return;
    this.liveFailure = reason;
    this.options.logger.warn('live upload given up, the segment stays in the spool', {
      key: this.header.key,
      reason,
    });
    this.liveAbort.abort(new Error(reason));
    this.live.destroy();
  }
}
