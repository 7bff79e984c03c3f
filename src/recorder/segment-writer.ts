/**
 * One segment: packets -> fMP4 (Fmp4Writer, written by libavformat into the spool's media file) -> each
 * piece, as the muxer completes it, (a) named in the spool journal with its frames and (b) read back
 * from the page cache and streamed into the store. If the live upload fails (store down) or the process
 * dies, the spool still holds every complete fragment and is stored later (uploader.ts).
 */
import { readSync } from 'node:fs';
import type { Logger } from '../core/logger.js';
import { Fmp4Writer, type Fmp4TrackSource, type Fmp4Piece } from '../media/index.js';
import type { CameraUnit } from '../streams/index.js';
import {
  buildSegmentIndex,
  summarize,
  type FrameRecord,
  type SegmentEnd,
  type SegmentHeader,
  type SegmentSummary,
} from './segment-index.js';
import { SpoolJournal, syncJournal } from './spool.js';
import type { LiveObject, RecordingStore } from './store.js';

export interface SegmentWriterOptions {
  store: RecordingStore;
  spoolDir: string;
  fsync: boolean;
  fragmentDurationMs: number;
  /** Above this many bytes waiting for the store, the live upload is given up (the spool keeps them). */
  maxLiveBacklogBytes: number;
  logger: Logger;
}

/** The bytes of one piece on their way from the spool's media file to the live upload. */
const readBack = Buffer.allocUnsafeSlow(1 << 20);

export type SegmentOutcome =
  { stored: true; summary: SegmentSummary } | { stored: false; journal: string; reason: string };

export class SegmentWriter {
  readonly firstPtsTicks: bigint;
  lastDtsTicks: bigint;
  maxPtsTicks: bigint;
  frames = 0;
  private bytes = 0;
  private readonly writer: Fmp4Writer;
  private readonly journal: SpoolJournal;
  private readonly pending: FrameRecord[] = [];
  private readonly committed: FrameRecord[] = [];
  private readonly live: LiveObject;
  private liveFailure: string | null = null;
  private liveAborted: Promise<void> = Promise.resolve();

  constructor(
    track: Fmp4TrackSource,
    readonly header: SegmentHeader,
    first: CameraUnit,
    private readonly options: SegmentWriterOptions,
  ) {
    this.firstPtsTicks = first.pts;
    this.lastDtsTicks = first.dts;
    this.maxPtsTicks = first.pts;
    this.journal = SpoolJournal.create(options.spoolDir, header, { fsync: options.fsync });
    this.live = options.store.openWriter(header.key, { contentType: 'video/mp4' });
    this.writer = new Fmp4Writer(track, {
      fd: this.journal.mediaFd,
      fragmentDurationUs: options.fragmentDurationMs * 1000,
      onPiece: (piece) => this.onPiece(piece),
    });
    this.write(first);
  }

  /** Adds one access unit (the caller still frees its packet). */
  write(unit: CameraUnit): void {
    this.pending.push({
      ptsTicks: unit.pts,
      dtsTicks: unit.dts,
      key: unit.key,
      receivedAtMs: unit.receivedAtMs,
      ntpMs: unit.ntpMs,
      ptsEstimated: unit.ptsEstimated,
      ...(unit.loss
        ? {
            lostPackets: unit.loss.lostPackets,
            incomplete: unit.loss.incomplete,
            damaged: unit.loss.damaged,
          }
        : {}),
    });
    this.lastDtsTicks = unit.dts;
    if (unit.pts > this.maxPtsTicks) this.maxPtsTicks = unit.pts;
    this.frames++;
    this.writer.write(unit.data);
  }

  /**
   * Writes the last fragment, ends the journal and the live upload, and stores the index. When the
   * live upload failed the outcome names the journal to hand to the uploader.
   */
  async finish(endReason: SegmentEnd, nextPtsTicks: bigint | null): Promise<SegmentOutcome> {
    this.writer.close();
    this.journal.writeEnd(endReason, nextPtsTicks);
    this.journal.close();
    if (!this.liveFailure) {
      await this.live
        .end()
        .catch((error: unknown) => this.failLive(`upload failed: ${(error as Error).message}`));
    }
    await this.liveAborted;
    if (this.liveFailure) return this.kept(this.liveFailure);
    const index = buildSegmentIndex(this.header, this.committed, endReason, nextPtsTicks);
    try {
      await this.options.store.put(this.header.indexKey, Buffer.from(JSON.stringify(index)), {
        contentType: 'application/json',
      });
    } catch (error) {
      return this.kept(`index upload failed: ${(error as Error).message}`);
    }
    this.journal.remove();
    return { stored: true, summary: summarize(index, this.header.indexKey, this.bytes) };
  }

  /** The segment stays in the spool for the uploader: its journal is synced to disk first. */
  private async kept(reason: string): Promise<SegmentOutcome> {
    if (this.options.fsync) {
      // Best effort: a journal that cannot be synced is still there for the uploader to try.
      await syncJournal(this.journal.path).catch(() => {});
    }
    return { stored: false, journal: this.journal.path, reason };
  }

  /** Drops the segment without finishing it (used when the writer itself failed). */
  abandon(): string {
    this.writer.abandon();
    this.journal.close();
    this.failLive('abandoned');
    return this.journal.path;
  }

  private onPiece(piece: Fmp4Piece): void {
    this.bytes += piece.length;
    if (piece.kind === 'init') this.journal.writeInit(piece);
    else if (piece.kind === 'fragment') {
      const frames = this.pending.splice(0, piece.samples);
      this.committed.push(...frames);
      this.journal.writeFragment(piece, frames);
    } else this.journal.writeTrailer(piece);
    if (this.liveFailure) return;
    if (this.live.error) {
      this.failLive(`upload failed: ${this.live.error.message}`);
      return;
    }
    if (this.live.backlogBytes > this.options.maxLiveBacklogBytes) {
      this.failLive(`store too slow: ${this.live.backlogBytes} bytes waiting`);
      return;
    }
    // Read back through one shared buffer (all of this is synchronous): the writer copies or writes
    // the bytes before it returns.
    const fd = this.journal.mediaFd;
    for (let done = 0; done < piece.length;) {
      const n = readSync(
        fd,
        readBack,
        0,
        Math.min(readBack.length, piece.length - done),
        piece.offset + done,
      );
      if (n === 0) throw new Error(`spool media file ended inside a piece at ${piece.offset + done}`);
      this.live.write(readBack.subarray(0, n));
      done += n;
    }
  }

  private failLive(reason: string): void {
    if (this.liveFailure) return;
    this.liveFailure = reason;
    this.options.logger.warn('live upload given up, the segment stays in the spool', {
      key: this.header.key,
      reason,
    });
    this.liveAborted = this.live.abort(new Error(reason));
  }
}
