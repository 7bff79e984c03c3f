/**
 * The RTP packets of one file, made once and shared by every client of its mount.
 *
 * Without it each client had its own demuxer and packetizer: the same file read and cut into the same
 * RTP packets once per client, and node-av handing every packet to JS as a new Buffer (measured: most of
 * the server's CPU per client at 1080p). Clients differ only in the 12-byte RTP header (SSRC, sequence
 * number, timestamp base, RFC 3550 §5.1), so the packets are made once, in file order, as clients first
 * need them, and each client's CachedRtpTrack writes its own header fields as it sends.
 *
 * A unit is what one file packet became: its RTP packets back to back, their lengths, and the packet's
 * send time, PTS and keyframe flag. Memory is bounded by a ByteBudget shared by all mounts: a file is
 * cached only when its size on disk fits (the video's RTP bytes are the file's video bytes plus about 1%),
 * and only passthrough codecs are cached (a transcode's output size is not known in advance).
 */
import { stat } from 'node:fs/promises';
import type { Rational } from '../core/rational.js';
import { RtpFileTrack } from '../media/index.js';

export interface RtpUnit {
  pts: bigint;
  /** null where the file has none (Matroska's leading B-frames): the send time is then the previous one. */
  dts: bigint | null;
  key: boolean;
  /** The RTP packets, back to back; header fields are rewritten per client as they are sent. */
  data: Buffer;
  lengths: Uint16Array;
}

/** Bytes of cache all mounts may hold together. */
export class ByteBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  tryTake(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get inUse(): number {
    return this.used;
  }
}

/** RTP packets are a little larger than the file's video bytes (headers, FU-A); file size times this. */
const RESERVE_FACTOR = 1.1;
const RESERVE_EXTRA_BYTES = 2 * 2 ** 20;
const SLAB_BYTES = 2 ** 20;

export class RtpUnitCache {
  private readonly units: RtpUnit[] = [];
  private producer: RtpFileTrack | undefined;
  private producing: Promise<void> | undefined;
  private pass: bigint | undefined;
  private bytes = 0;
  private disposed = false;
  /**
   * Units are carved out of 1 MiB slabs: one copy per packet and no allocation per packet or unit (a
   * Buffer per RTP packet was most of what making the cache cost). The unit being made is moved to a
   * new slab when it does not fit.
   */
  private slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  /** Bytes of all slabs: what the cache holds in memory (its units plus each slab's unused tail). */
  private slabBytes = SLAB_BYTES;
  private slabUsed = 0;
  private unitStart = 0;
  private unitLengths: number[] = [];
  readonly timeBase: Rational;

  private constructor(
    readonly path: string,
    producer: RtpFileTrack,
    private readonly budget: ByteBudget,
    private reserved: number,
  ) {
    this.producer = producer;
    this.timeBase = producer.timeBase;
  }

  /**
   * A cache for `path`, or why it cannot have one: its codec is transcoded, or the file is larger than
   * what the budget has left. Throws what opening the file throws.
   */
  static async open(path: string, budget: ByteBudget): Promise<RtpUnitCache | 'transcoded' | 'over-budget'> {
    const reserve = Math.ceil((await stat(path)).size * RESERVE_FACTOR) + RESERVE_EXTRA_BYTES;
    if (!budget.tryTake(reserve)) return 'over-budget';
    let producer: RtpFileTrack | undefined;
    try {
      const box: { self?: RtpUnitCache } = {};
      producer = await RtpFileTrack.open({
        path,
        ssrc: 0,
        seq: 0,
        onRtp: (packet) => box.self?.take(packet),
      });
      if (producer.transcoding) {
        await producer.close();
        budget.give(reserve);
        return 'transcoded';
      }
      box.self = new RtpUnitCache(path, producer, budget, reserve);
      return box.self;
    } catch (e) {
      budget.give(reserve);
      throw e;
    }
  }

  /** Units made so far; all of them once `complete`. */
  get length(): number {
    return this.units.length;
  }

  get complete(): boolean {
    return this.producer === undefined;
  }

  /** What one pass moves the timeline, for loops; known once complete. */
  get passTicks(): bigint | undefined {
    return this.pass;
  }

  /** Bytes of RTP packets held. */
  get byteLength(): number {
    return this.bytes;
  }

  /** Memory held: the packets plus the slabs' unused tails. */
  get memoryBytes(): number {
    return this.slabBytes;
  }

  /** Unit `i` in file order, made if need be; null past the end of the file. */
  async unit(i: number): Promise<RtpUnit | null> {
    while (i >= this.units.length && this.producer) await this.produce();
    return this.units[i] ?? null;
  }

  /**
   * Index of the keyframe unit with the largest PTS at or before `ticks` (0 when there is none): where a
   * seek lands. Makes units until a keyframe past `ticks` or the end.
   */
  async keyframeAtOrBefore(ticks: bigint): Promise<number> {
    let found = 0;
    for (let i = 0; ; i++) {
      const u = await this.unit(i);
      if (!u) return found;
      if (!u.key) continue;
      if (u.pts > ticks) return found;
      found = i;
    }
  }

  /** One unit more, or the end; concurrent callers share one production. */
  private produce(): Promise<void> {
    this.producing ??= this.produceOne().finally(() => (this.producing = undefined));
    return this.producing;
  }

  private async produceOne(): Promise<void> {
    const producer = this.producer;
    if (!producer) return;
    const next = await producer.peekPacket();
    if (!next || this.disposed) {
      this.pass = producer.passTicks;
      this.producer = undefined;
      await producer.close();
      this.settleBudget();
      return;
    }
    this.unitLengths = [];
    this.unitStart = this.slabUsed;
    await producer.sendNext();
    const lengths = Uint16Array.from(this.unitLengths);
    const data = this.slab.subarray(this.unitStart, this.slabUsed);
    this.bytes += data.length;
    this.units.push({ pts: next.pts, dts: next.dts, key: next.key, data, lengths });
  }

  /** One RTP packet of the unit being made (the packetizer's buffer: copied). */
  private take(packet: Buffer): void {
    if (this.slabUsed + packet.length > this.slab.length) {
      const partial = this.slabUsed - this.unitStart;
      const next = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, 2 * (partial + packet.length)));
      this.slab.copy(next, 0, this.unitStart, this.slabUsed);
      // a slab that held only the moved unit is dropped; one with earlier units stays (they use it)
      if (this.unitStart === 0) this.slabBytes -= this.slab.length;
      this.slabBytes += next.length;
      this.slab = next;
      this.unitStart = 0;
      this.slabUsed = partial;
    }
    packet.copy(this.slab, this.slabUsed);
    this.slabUsed += packet.length;
    this.unitLengths.push(packet.length);
  }

  /** Once complete, gives back what was reserved beyond the memory held. */
  private settleBudget(): void {
    const excess = this.reserved - this.slabBytes;
    if (excess > 0) {
      this.budget.give(excess);
      this.reserved -= excess;
    }
  }

  /** Frees the packets and the budget; cursors still open on it must be closed first. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.producing;
    const producer = this.producer;
    this.producer = undefined;
    await producer?.close();
    this.units.length = 0;
    this.slab = Buffer.alloc(0);
    this.budget.give(this.reserved);
    this.reserved = 0;
  }
}
