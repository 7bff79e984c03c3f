/**
 * One connection to the source: RTSP in, segments out. It cuts a new segment at the first keyframe
 * after `segmentDurationMs` of PTS, and also when the source's timestamps jump (backwards, or forward
 * by more than `timestampJumpMs`): a reset must not corrupt the segment being written, so the old one
 * is finished as it was and the new timestamps start a new file. A finished segment is stored in the
 * background while the next one records.
 */
import type { Logger } from '../core/logger.js';
import type { CameraUnit, PullEnd, GapMark } from '../streams/index.js';
import type { SegmentEnd, SegmentStart } from './segment-index.js';
import { DtsRebuilder } from './dts-rebuild.js';
import { LossLog } from './loss-log.js';
import { decideCut, ptsJumped } from './segment-cut.js';
import type { RecorderInput, RecorderSource } from './recorder-source.js';
import { SegmentWriter, type SegmentOutcome, type SegmentWriterOptions } from './segment-writer.js';

export interface InstanceOptions extends SegmentWriterOptions {
  source: RecorderSource;
  /** Key prefix: '' or ending in '/'. */
  prefix: string;
  segmentDurationMs: number;
  timestampJumpMs: number;
  connection: number;
  gapBefore: GapMark | null;
  signal: AbortSignal;
  onSegmentDone: (outcome: SegmentOutcome) => void;
}

export interface InstanceResult {
  end: PullEnd;
  stopped: boolean;
  /** The source reached the end it announced: a file played to its end, not a dropped connection. */
  sourceEnded: boolean;
  framesReceived: number;
  lastReceivedAtMs: number | null;
}

export class RecorderInstance {
  private segment: SegmentWriter | null = null;
  private readonly finishing: Promise<void>[] = [];
  private droppedBeforeKeyframe = 0;
  private readonly loss: LossLog;
  private framesReceived = 0;
  private lastReceivedAtMs: number | null = null;
  private maxPtsTicks: bigint | null = null;
  /** The dts of the open segment come from here, one per segment (started at its first keyframe). */
  private rebuilder: DtsRebuilder | null = null;
  /** Why the next segment starts, kept while frames before its first keyframe are dropped. */
  private nextStartReason: SegmentStart = 'connect';
  private gapPending: InstanceOptions['gapBefore'];
  private readonly log: Logger;

  constructor(private readonly o: InstanceOptions) {
    this.gapPending = o.gapBefore;
    this.log = o.logger.child({ connection: o.connection });
    this.loss = new LossLog(this.log);
  }

  async run(): Promise<InstanceResult> {
    const input = await this.o.source.connect(this.o.signal);
    this.log.info('connected', {
      source: this.o.source.name,
      input: input.kind,
      ...input.info,
      timeBase: `${input.info.timeBase.num}/${input.info.timeBase.den}`,
    });
    const tb = input.info.timeBase;
    const toTicks = (ms: number) => (BigInt(Math.round(ms)) * BigInt(tb.den)) / (1000n * BigInt(tb.num));
    const segmentTicks = toTicks(this.o.segmentDurationMs);
    const jumpTicks = toTicks(this.o.timestampJumpMs);
    const backTicks = toTicks(1000);
    let endReason: SegmentEnd = 'end-of-stream';
    try {
      for (;;) {
        const unit = await input.read();
        if (!unit) break;
        try {
          this.framesReceived++;
          this.lastReceivedAtMs = unit.receivedAtMs;
          this.loss.seen(unit, input.keyframeRequests ?? 0);
          if (this.maxPtsTicks === null || unit.pts > this.maxPtsTicks) this.maxPtsTicks = unit.pts;
          this.accept(input, unit, segmentTicks, jumpTicks, backTicks);
        } finally {
          input.recycle(unit.data);
        }
      }
      const end = input.end ?? { kind: 'eof' };
      const sourceEnded = end.kind === 'eof' && (await this.sourceEnded(input));
      endReason = this.o.signal.aborted ? 'stopped' : sourceEnded ? 'end-of-stream' : 'source-lost';
      if (endReason === 'source-lost') {
        this.log.warn('source lost', { error: end.kind === 'error' ? end.message : 'connection closed' });
      }
      return {
        end,
        stopped: this.o.signal.aborted,
        sourceEnded,
        framesReceived: this.framesReceived,
        lastReceivedAtMs: this.lastReceivedAtMs,
      };
    } catch (error) {
      endReason = 'source-lost';
      throw error;
    } finally {
      this.finishSegment(endReason, null);
      await input.close();
      await Promise.all(this.finishing);
    }
  }

  /**
   * libavformat reports AVERROR_EOF both for an RTCP BYE at the end of a file and for a TCP connection
   * the server closed (killed: "Failed reading RTSP data: End of file"). A source has ended only if it
   * announced a length (SDP a=range:npt=0-N; a live camera announces none and is always reconnected)
   * and either got there or its server is still up after the EOF. Anything else is a drop.
   */
  private async sourceEnded(input: RecorderInput): Promise<boolean> {
    const { durationMs, timeBase } = input.info;
    if (durationMs === null) return false;
    if (this.maxPtsTicks !== null) {
      const lastMs = (Number(this.maxPtsTicks) * timeBase.num * 1000) / timeBase.den;
      if (lastMs + 1000 >= durationMs) return true;
    }
    return this.o.source.stillThere();
  }

  private accept(
    input: RecorderInput,
    unit: CameraUnit,
    segmentTicks: bigint,
    jumpTicks: bigint,
    backTicks: bigint,
  ): void {
    const seg = this.segment;
    if (!seg) {
      this.start(input, unit, this.nextStartReason);
      return;
    }
    // dts are rebuilt from the pts on both paths (dts-rebuild.ts): RTP carries none, and libavformat's
    // are a guess that fails at the start of a connection (MPEG-4 Part 2 with B-frames: the first three
    // units all got dts 1800 while their pts were unknown, 6390, 1800) and after a timestamp reset.
    const dts = ptsJumped(seg, unit, jumpTicks, backTicks) ? null : this.rebuilder!.next(unit.pts);
    if (dts === null) {
      this.reset(input, seg, unit);
      return;
    }
    unit.dts = dts;
    unit.data.dts = dts;
    const cut = decideCut(seg, unit, segmentTicks, jumpTicks, backTicks);
    if (cut === 'write') {
      seg.write(unit);
    } else if (cut === 'rollover') {
      this.finishSegment('rollover', unit.pts);
      this.start(input, unit, 'rollover');
    } else {
      this.reset(input, seg, unit);
    }
  }

  private reset(input: RecorderInput, seg: SegmentWriter, unit: CameraUnit): void {
    this.log.warn('source timestamps reset, starting a new segment', {
      fromPts: String(seg.maxPtsTicks),
      toPts: String(unit.pts),
      fromDts: String(seg.lastDtsTicks),
      toDts: String(unit.dts),
    });
    this.finishSegment('timestamp-reset', null);
    this.nextStartReason = 'timestamp-reset';
    this.start(input, unit, 'timestamp-reset');
  }

  private start(input: RecorderInput, unit: CameraUnit, startReason: SegmentStart): void {
    if (!unit.key) {
      // Frames before the first keyframe cannot be decoded on their own; a segment starts at one.
      this.droppedBeforeKeyframe++;
      this.loss.dropped(unit);
      return;
    }
    this.loss.carryInto(unit);
    // libavformat's depth is a guess from the demuxer: at least 4 (x264 and cameras reorder by up to 2-3
    // frames; more only delays dts, still valid). The RTP path's comes from the SPS, exact.
    this.rebuilder = new DtsRebuilder(
      input.dtsFromPts ? input.reorderDepth : Math.max(4, input.reorderDepth),
    );
    unit.dts = this.rebuilder.next(unit.pts)!;
    unit.data.dts = unit.dts;
    const name = new Date(unit.receivedAtMs).toISOString().replace(/:/g, '-');
    const key = `${this.o.prefix}${name}.mp4`;
    const gap = this.gapPending
      ? {
          ...this.gapPending,
          toMs: unit.receivedAtMs,
          durationMs: Math.round(unit.receivedAtMs - this.gapPending.fromMs),
        }
      : null;
    this.gapPending = null;
    this.segment = new SegmentWriter(
      input.track,
      {
        key,
        indexKey: `${this.o.prefix}${name}.index.json`,
        source: this.o.source.name,
        codec: input.info.codec,
        width: input.info.width,
        height: input.info.height,
        timeBase: input.info.timeBase,
        connection: this.o.connection,
        startedAtMs: unit.receivedAtMs,
        startReason,
        gapBefore: gap,
        droppedBeforeKeyframe: this.droppedBeforeKeyframe,
      },
      unit,
      this.o,
    );
    this.droppedBeforeKeyframe = 0;
    this.nextStartReason = 'connect';
    this.log.info('segment started', { key, startReason });
  }

  private finishSegment(reason: SegmentEnd, nextPtsTicks: bigint | null): void {
    const seg = this.segment;
    if (!seg) return;
    this.segment = null;
    this.finishing.push(
      seg.finish(reason, nextPtsTicks).then(
        (outcome) => this.o.onSegmentDone(outcome),
        (error: unknown) => {
          this.log.error('segment could not be finished', {
            key: seg.header.key,
            error: (error as Error).message,
          });
          this.o.onSegmentDone({ stored: false, journal: seg.abandon(), reason: (error as Error).message });
        },
      ),
    );
  }
}
