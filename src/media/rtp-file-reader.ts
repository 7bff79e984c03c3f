/**
 * Reads the video packets of a file for restreaming: in decode order, each with the time it is due to
 * be sent (its DTS, on the stream's own clock), looping with timestamps that keep increasing.
 *
 * - copyTs: the file's timestamps are the truth, no demuxer fix-ups (docs/media-pitfalls.md,
 *   "Timestamp fix-ups unless `copyTs`").
 * - packetsSync-style reads (readFrameSync): the async packets() busy-waits when the consumer is paced
 *   to real time (docs/media-pitfalls.md, "Async packet reading spins while its queue is full"), and a
 *   restream is exactly such a consumer.
 * - Matroska leaves the DTS of the first packets of a B-frame GOP unset; their send time (and DTS) is
 *   the previous one, so sending order and pacing stay monotonic.
 * - A loop adds the whole pass duration (last PTS + its duration − first PTS) to every timestamp of
 *   the next pass, so a client sees one continuous, increasing timeline.
 */
import '../core/polyfill.js';
import { Demuxer } from 'node-av/api';
import { AV_NOPTS_VALUE, AVSEEK_FLAG_BACKWARD } from 'node-av/constants';
import { Packet, type Stream } from 'node-av/lib';
import { KadrError } from '../core/errors.js';
import type { Rational } from '../core/rational.js';
import { PlayoutClock } from '../rtp/index.js';
import { selectVideoStream } from './video-stream.js';

export interface ReadPacket {
  /** Borrowed: valid until the next call to next(), seekToTicks() or close(); never free it. */
  packet: Packet;
  /** When to send it, in stream ticks, never decreasing (across loops too). */
  sendTicks: bigint;
  /** The file gave no DTS (its dts is then the send time, set here). */
  dtsMissing: boolean;
}

export class RtpFileReader {
  private demuxer: Demuxer;
  private stream: Stream;
  /** Send times and the loop offset (src/rtp/rtp-timing.ts). */
  private readonly clock = new PlayoutClock();
  /** Largest pts + its duration seen in this pass, and the smallest pts: the loop step. */
  private passEnd: bigint | undefined;
  private passStart: bigint | undefined;
  private ended = false;
  /** One packet reused for every read: a fresh native packet per read is GC pressure at 1080p. */
  private readonly scratch = new Packet();

  private constructor(
    readonly path: string,
    private readonly loop: boolean,
    demuxer: Demuxer,
    private readonly probe: boolean,
  ) {
    this.demuxer = demuxer;
    this.stream = pickVideo(demuxer, path);
    this.scratch.alloc();
  }

  /** `probe`: always run stream-info probing (exact duration; the describe path wants it). */
  static async open(path: string, options: { loop?: boolean; probe?: boolean } = {}): Promise<RtpFileReader> {
    const probe = options.probe ?? false;
    return new RtpFileReader(path, options.loop ?? false, await openDemuxer(path, probe), probe);
  }

  get videoStream(): Stream {
    return this.stream;
  }

  get timeBase(): Rational {
    const tb = this.stream.timeBase;
    return { num: tb.num, den: tb.den };
  }

  /**
   * How far one pass moves the timeline (last PTS + its duration − first PTS), known once the first pass
   * has been read to its end; what a loop adds per pass.
   */
  get passTicks(): bigint | undefined {
    if (this.passEnd === undefined || this.passStart === undefined) return undefined;
    return this.passEnd - this.passStart;
  }

  get durationSec(): number | undefined {
    const d = this.demuxer.duration;
    return Number.isFinite(d) && d > 0 ? d : undefined;
  }

  /**
   * Seeks to the keyframe at or before `ticks` (stream ticks of the first pass). The packets that
   * follow start there; the caller learns the exact start from the first packet's pts.
   */
  seekToTicks(ticks: bigint): void {
    const ret = this.demuxer.getFormatContext().seekFrameSync(this.stream.index, ticks, AVSEEK_FLAG_BACKWARD);
    if (ret < 0) throw new KadrError('KADR_ERR_INPUT_CORRUPT', `cannot seek in ${this.path}`);
    this.clock.restart();
    this.ended = false;
  }

  /** The next video packet (borrowed, see ReadPacket), or null at the end (never, with loop). */
  async next(): Promise<ReadPacket | null> {
    for (;;) {
      if (this.ended) return null;
      const packet = this.readOne();
      if (!packet) {
        if (!this.loop || this.passEnd === undefined || this.passStart === undefined) {
          this.ended = true;
          return null;
        }
        this.clock.lap(this.passEnd - this.passStart);
        await this.reopen();
        continue;
      }
      const pts = packet.pts;
      const dts = packet.dts;
      const offsetTicks = this.clock.offsetTicks;
      if (pts !== AV_NOPTS_VALUE && offsetTicks === 0n) {
        const end = pts + (packet.duration > 0n ? packet.duration : 1n);
        if (this.passEnd === undefined || end > this.passEnd) this.passEnd = end;
        if (this.passStart === undefined || pts < this.passStart) this.passStart = pts;
      }
      if (offsetTicks !== 0n) {
        if (pts !== AV_NOPTS_VALUE) packet.pts = pts + offsetTicks;
        if (dts !== AV_NOPTS_VALUE) packet.dts = dts + offsetTicks;
      }
      const sendTicks = this.clock.sendTicks(
        packet.dts === AV_NOPTS_VALUE ? null : packet.dts,
        packet.pts === AV_NOPTS_VALUE ? null : packet.pts,
      );
      // The muxer needs a DTS; the send time is one (monotonic, never after the PTS). Without it
      // libavformat guesses from earlier PTS and refuses the first packet of a loop's second pass.
      const dtsMissing = packet.dts === AV_NOPTS_VALUE;
      if (dtsMissing) packet.dts = sendTicks;
      return { packet, sendTicks, dtsMissing };
    }
  }

  private readOne(): Packet | null {
    const ctx = this.demuxer.getFormatContext();
    const packet = this.scratch;
    for (;;) {
      packet.unref();
      const ret = ctx.readFrameSync(packet);
      if (ret < 0) {
        packet.unref();
        return null;
      }
      if (packet.streamIndex === this.stream.index) {
        packet.timeBase = this.stream.timeBase;
        return packet;
      }
      // audio and other streams are not served (see docs/rtsp.md)
    }
  }

  private async reopen(): Promise<void> {
    await this.demuxer.close();
    this.demuxer = await openDemuxer(this.path, this.probe);
    this.stream = pickVideo(this.demuxer, this.path);
  }

  async close(): Promise<void> {
    this.ended = true;
    this.scratch.free();
    await this.demuxer.close();
  }
}

/**
 * MP4/MOV files open without avformat_find_stream_info: their header stores DTS and codec parameters,
 * and probing decodes frames (about 20 ms per client at 1080p, a tenth of what serving a 15 s clip
 * costs). Other containers need it: without it Matroska's missing DTS are derived differently and
 * come out non-monotonic for H.265 with B-frames.
 */
async function openDemuxer(path: string, probe: boolean): Promise<Demuxer> {
  try {
    if (!probe && /\.(mp4|m4v|mov)$/i.test(path)) {
      const fast = await Demuxer.open(path, { copyTs: true, skipStreamInfo: true });
      const v = selectVideoStream(fast);
      if (fast.formatName.includes('mp4') && v && v.codecpar.width > 0) return fast;
      await fast.close();
    }
    return await Demuxer.open(path, { copyTs: true });
  } catch (e) {
    throw new KadrError('KADR_ERR_INPUT_UNREADABLE', `cannot open ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

function pickVideo(demuxer: Demuxer, path: string): Stream {
  const stream = selectVideoStream(demuxer);
  if (!stream) throw new KadrError('KADR_ERR_INPUT_NO_VIDEO', `${path} has no video stream`);
  return stream;
}
