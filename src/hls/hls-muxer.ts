/**
 * One LL-HLS muxer: one stream at one quality, shared by every HLS viewer of it. It reads a live view
 * lease (a hub subscription that starts at a keyframe), muxes the camera's own packets into fMP4
 * without transcoding (Fmp4FragmentWriter: a fragment per part, cut at each keyframe and at least
 * every part target) and keeps the last segments in memory (HlsWindow). Decode and presentation
 * times are the camera's, as in the recording; EXT-X-PROGRAM-DATE-TIME is the source's wallclock of
 * each segment's first frame (RTCP sender reports), so that a player's playing date is capture time.
 *
 * A part is known complete when the frame after it arrives (its duration needs that frame's time), as
 * with any fMP4 muxer. Requests that ask for what does not exist yet wait for it (blocking playlist
 * reload, the preload-hinted part), bounded by a few target durations.
 */
import type { Rational } from '../core/rational.js';
import { KadrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { MediaUnit } from '../core/media-unit.js';
import { annexBNalUnits, DtsRebuilder, streamFromKeyframe } from '../recorder/index.js';
import { videoCodecString } from '../codecs/index.js';
import { Fmp4FragmentWriter, type Fmp4TrackSpec } from '../media/index.js';
import { PacketPool, type LiveViewLease } from '../streams/index.js';
import { HlsWindow, type HlsSegment } from './hls-window.js';
import { mediaPlaylist, type HlsVariant } from './hls-playlist.js';

export interface HlsMuxerOptions {
  /** Part target (EXT-X-PART-INF), ms: 200 as MediaMTX's default. */
  partTargetMs: number;
  /** A segment ends at the first keyframe after this long, ms (the GOP when that is longer). */
  segmentTargetMs: number;
  /** Complete segments kept in memory. */
  segmentCount: number;
  /** How long the first playlist waits for the first complete segment (a GOP or two), ms. */
  firstSegmentWaitMs: number;
}

interface FrameInfo {
  dts: bigint;
  key: boolean;
  wallMs: number;
}

interface Waiter {
  ready: () => boolean;
  resolve: () => void;
}

export class HlsMuxer {
  readonly window: HlsWindow;
  /** Last time a viewer asked for anything (the registry stops idle muxers). */
  lastUsedMs = Date.now();
  private ended = false;
  private writer: Fmp4FragmentWriter | null = null;
  private timeBase: Rational | null = null;
  private rebuilder: DtsRebuilder | null = null;
  private readonly frames: FrameInfo[] = [];
  private readonly pool = new PacketPool();
  private waiters: Waiter[] = [];
  private track: Fmp4TrackSpec | null = null;
  /** Bits per second over each complete segment, the largest in the window (BANDWIDTH). */
  private peakBitrate = 0;

  constructor(
    readonly name: string,
    readonly quality: string,
    private readonly lease: LiveViewLease,
    private readonly options: HlsMuxerOptions,
    private readonly log?: Logger,
  ) {
    this.window = new HlsWindow({
      segmentCount: options.segmentCount,
      segmentTargetS: options.segmentTargetMs / 1000,
      partTargetS: options.partTargetMs / 1000,
    });
    void this.run();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Stops muxing and leaves the stream (idempotent). */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.lease.close();
    this.closeWriter();
    this.pool.close();
    this.wake();
  }

  /**
   * The media playlist once it holds segment `msn` (part `part` of it, or anything later), as the
   * blocking reload asks (§6.2.5.2); without `msn`, once there is a first segment.
   */
  async playlist(msn: number | undefined, part: number | undefined): Promise<string> {
    if (msn === undefined) {
      await this.waitFor(() => this.window.lastComplete !== undefined, this.options.firstSegmentWaitMs);
    } else {
      this.checkDirective(msn, part);
      await this.waitFor(() => this.window.has(msn, part), this.blockingWaitMs());
    }
    return mediaPlaylist(this.window, this.quality);
  }

  init(id: number): Buffer | undefined {
    return this.window.inits.get(id);
  }

  /** A complete segment; the one in progress is waited for. */
  async segment(msn: number): Promise<Buffer | undefined> {
    const seg = this.window.findSegment(msn);
    if (seg && !seg.complete) await this.waitFor(() => seg.complete, this.blockingWaitMs());
    return seg?.bytes ?? undefined;
  }

  /** A part; the next one (the preload hint) is waited for. */
  async part(id: number): Promise<Buffer | undefined> {
    const next = this.window.nextPartId;
    if (id >= next && id <= next + 1) {
      await this.waitFor(() => this.window.nextPartId > id, this.blockingWaitMs());
    }
    return this.window.findPart(id)?.bytes ?? undefined;
  }

  /** What a multivariant playlist says about this quality, once a segment exists. */
  async variant(): Promise<HlsVariant> {
    await this.waitFor(() => this.window.lastComplete !== undefined, this.options.firstSegmentWaitMs);
    const track = this.track!;
    const sets = annexBNalUnits(track.extradata);
    const sps = sets.find((n) =>
      track.codec === 'h264' ? (n[0]! & 0x1f) === 7 : ((n[0]! >> 1) & 0x3f) === 33,
    );
    return {
      quality: this.quality,
      bandwidth: this.peakBitrate,
      width: track.width,
      height: track.height,
      codecs: sps ? videoCodecString(track.codec, sps) : track.codec === 'h264' ? 'avc1' : 'hvc1',
    };
  }

  /** §6.2.5.2: a directive too far ahead is answered 400 at once, not held. */
  private checkDirective(msn: number, part: number | undefined): void {
    const lastMsn = this.window.lastComplete?.msn ?? -1;
    if (msn > lastMsn + 2) {
      throw new KadrError(
        'KADR_ERR_VALIDATION',
        `_HLS_msn=${msn} is past the playlist's end (${lastMsn}) plus two`,
      );
    }
    if (part === undefined) return;
    // The Advance Part Limit: three divided by the part target under 1 s.
    const limit = Math.ceil(3 / this.window.partTargetS);
    const cur = this.window.current;
    const partsOfMsn = cur && cur.msn === msn ? cur.parts.length : msn > lastMsn ? 0 : Infinity;
    if (part > partsOfMsn - 1 + limit) {
      throw new KadrError(
        'KADR_ERR_VALIDATION',
        `_HLS_part=${part} is past the last part by more than ${limit}`,
      );
    }
  }

  /** Three target durations, the longest a client waits for a blocking reload before it gives up. */
  private blockingWaitMs(): number {
    return Math.max(3000, 3 * this.window.targetDurationS * 1000);
  }

  private async waitFor(ready: () => boolean, timeoutMs: number): Promise<void> {
    this.lastUsedMs = Date.now();
    if (ready()) return;
    if (this.ended) throw this.endedError();
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { ready, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new KadrError(
            'KADR_ERR_STREAM_UNAVAILABLE',
            `${this.name} produced no new video for ${timeoutMs} ms`,
            {
              hint: 'the camera is connecting or away; try again in a few seconds',
            },
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
    this.lastUsedMs = Date.now();
    if (!ready() && this.ended) throw this.endedError();
  }

  private endedError(): KadrError {
    return new KadrError('KADR_ERR_NOT_FOUND', `the live stream ${this.name} ended`);
  }

  private wake(): void {
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (this.ended || w.ready()) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        const item = await this.lease.subscription.next();
        if (!item || this.ended) break;
        if (item.kind === 'gap') {
          this.closeWriter();
          this.window.gap();
          this.wake();
          continue;
        }
        this.onUnit(item.unit);
      }
    } catch (error) {
      this.log?.warn('hls muxer failed', { stream: this.name, error: String(error) });
    } finally {
      this.close();
    }
  }

  private onUnit(unit: MediaUnit): void {
    if (!this.writer && !this.open(unit)) return;
    let dts = unit.dts;
    if (this.rebuilder) {
      const rebuilt = this.rebuilder.next(unit.pts);
      if (rebuilt === null) return;
      dts = rebuilt;
    }
    this.frames.push({ dts, key: unit.key, wallMs: unit.ntpMs ?? unit.receivedAtMs });
    const packet = this.pool.fill(unit);
    packet.dts = dts;
    try {
      this.writer!.write(packet);
    } finally {
      this.pool.recycle(packet);
    }
  }

  /** Starts a muxer at a keyframe with the connection's parameter sets (in-band ones where none). */
  private open(unit: MediaUnit): boolean {
    if (!unit.key) return false;
    const described = this.lease.stream();
    const stream = described?.track ? described : streamFromKeyframe(unit);
    if (!stream?.track) return false;
    this.track = stream.track;
    this.timeBase = unit.timeBase;
    this.rebuilder = stream.dtsFromPts ? new DtsRebuilder(stream.reorderDepth) : null;
    this.frames.length = 0;
    this.writer = new Fmp4FragmentWriter(stream.track, {
      fragmentDurationUs: this.options.partTargetMs * 1000,
      onFragment: (f) => this.onFragment(f.bytes, f.samples),
    });
    this.window.setInit(this.writer.init);
    return true;
  }

  private onFragment(bytes: Buffer, samples: number): void {
    const frames = this.frames.splice(0, samples);
    const first = frames[0];
    const next = this.frames[0];
    if (!first || !next) return;
    const tb = this.timeBase!;
    const durationS = (Number(next.dts - first.dts) * tb.num) / tb.den;
    const before = this.window.lastComplete;
    this.window.addPart(bytes, durationS, first.key, first.wallMs);
    const after = this.window.lastComplete;
    if (after && after !== before) this.noteSegment(after);
    this.wake();
  }

  private noteSegment(seg: HlsSegment): void {
    if (seg.bytes && seg.durationS > 0) {
      const bitrate = (seg.bytes.length * 8) / seg.durationS;
      this.peakBitrate = Math.max(this.peakBitrate, bitrate);
    }
  }

  private closeWriter(): void {
    this.writer?.close();
    this.writer = null;
  }
}
