/**
 * One upstream, any number of subscribers: the upstream publishes each MediaUnit once, every
 * subscriber reads them in order from its own queue.
 *  - A late subscriber joins at a keyframe: the hub keeps the units since the last keyframe (the
 *    current group of pictures) and a new queue starts with them, so its first unit decodes on its own.
 *    Before the first keyframe, or when the group outgrew `maxGopUnits` or the queue a subscriber may
 *    have (`maxQueuedUnits`), it waits for the next one.
 *  - publish() never waits for a subscriber. One that falls `maxQueuedUnits` behind has its queue
 *    dropped and skips to the next keyframe (again a unit that decodes on its own); the skip and the
 *    units it lost are counted on the subscription, so a slow consumer shows instead of slowing the
 *    camera's other consumers or growing memory without bound.
 *  - When the upstream loses its connection and a new one follows (a camera reconnected by its
 *    supervisor), gap() puts a mark in every subscriber's queue, in order with the units: next() hands
 *    it over (read() passes over it), and the subscriber then resumes at the new connection's first
 *    keyframe, since what follows a gap cannot be decoded from what came before it.
 * Units are shared, not copied: a unit published here must own its bytes and nobody may change it.
 */
import type { MediaUnit } from '../core/media-unit.js';

export interface StreamHubOptions {
  /** Units a subscriber may have waiting before it counts as stalled and skips to the next keyframe. */
  maxQueuedUnits?: number;
  /** Units since the last keyframe kept for late subscribers; a longer group is not kept. */
  maxGopUnits?: number;
}

/** Why the upstream stopped. */
export type HubEnd = { kind: 'eof' } | { kind: 'error'; message: string };

/** Where the upstream's connection was lost: the receive time of its last unit, and why. */
export interface HubGap {
  fromMs: number;
  reason: string;
}

/** What next() hands over: a unit, or the mark of a lost connection before the units that follow. */
export type HubItem<U> = { kind: 'unit'; unit: U } | { kind: 'gap'; gap: HubGap };

/** A gap in a subscriber's queue (a class, so that it is told apart from units without a field). */
class GapEntry {
  constructor(readonly gap: HubGap) {}
}

/** 10 s at 30 frames/s. */
const DEFAULT_MAX_QUEUED_UNITS = 300;
/** 20 s at 30 frames/s: cameras send a keyframe every 1 to 10 s. */
const DEFAULT_MAX_GOP_UNITS = 600;

export class StreamHub<U extends MediaUnit<unknown> = MediaUnit> {
  readonly maxQueuedUnits: number;
  readonly maxGopUnits: number;
  private readonly subs = new Set<HubSubscription<U>>();
  /** The units from the last keyframe on; empty before one or when the group outgrew maxGopUnits. */
  private gop: U[] = [];
  private ended: HubEnd | null = null;
  private count = 0;
  private lastGapMark: HubGap | null = null;

  constructor(options: StreamHubOptions = {}) {
    this.maxQueuedUnits = options.maxQueuedUnits ?? DEFAULT_MAX_QUEUED_UNITS;
    this.maxGopUnits = options.maxGopUnits ?? DEFAULT_MAX_GOP_UNITS;
  }

  /** Units published so far. */
  get published(): number {
    return this.count;
  }

  get subscribers(): number {
    return this.subs.size;
  }

  /** Why the upstream stopped, once it has. */
  get end(): HubEnd | null {
    return this.ended;
  }

  /** Hands one unit to every subscriber; never waits. Ignored after end(). */
  publish(unit: U): void {
    if (this.ended) return;
    this.count++;
    if (unit.key) this.gop = [unit];
    else if (this.gop.length > 0) {
      if (this.gop.length < this.maxGopUnits) this.gop.push(unit);
      else this.gop = [];
    }
    for (const sub of this.subs) sub.offer(unit);
  }

  /**
   * The upstream lost its connection; units published after this come from a new one. Every
   * subscriber gets the mark after the units it has queued; a late subscriber joins at the new
   * connection's first keyframe. Ignored after end().
   */
  gap(gap: HubGap): void {
    if (this.ended) return;
    this.lastGapMark = gap;
    this.gop = [];
    for (const sub of this.subs) sub.offerGap(gap);
  }

  /** The last gap marked, if any. */
  get lastGap(): HubGap | null {
    return this.lastGapMark;
  }

  /** The upstream stopped: each subscriber reads what it has queued, then null. */
  finish(end: HubEnd = { kind: 'eof' }): void {
    if (this.ended) return;
    this.ended = end;
    this.gop = [];
    for (const sub of this.subs) sub.wake();
  }

  /**
   * The upstream starts again after a reconnect: what follows does not continue what came before (a
   * new RTP session, timestamps from a new base), so the kept group is dropped and every subscriber
   * waits for the next keyframe (what it has queued from before is still read). Not counted as a skip.
   */
  discontinuity(): void {
    this.gop = [];
    for (const sub of this.subs) sub.rejoin();
  }

  subscribe(): HubSubscription<U> {
    const sub = new HubSubscription<U>(this, this.maxQueuedUnits, this.gop);
    if (!this.ended) this.subs.add(sub);
    return sub;
  }

  /** @internal */
  remove(sub: HubSubscription<U>): void {
    this.subs.delete(sub);
  }
}

export class HubSubscription<U extends MediaUnit<unknown> = MediaUnit> {
  /** Times this subscriber fell `maxQueuedUnits` behind and skipped to the next keyframe. */
  skips = 0;
  /** Units it never got because of those skips (not counting those before it first joined). */
  skippedUnits = 0;
  private queue: (U | GapEntry)[] = [];
  private head = 0;
  /** Waiting for a keyframe: 'join' before its first unit, 'skip' after falling behind. */
  private waiting: 'join' | 'skip' | null;
  private waiter: (() => void) | null = null;
  private closed = false;
  /** Called once by close() (whoever handed the subscription out counts its consumers). */
  onClose: (() => void) | null = null;

  constructor(
    private readonly hub: StreamHub<U>,
    private readonly maxQueued: number,
    gop: readonly U[],
  ) {
    if (gop.length > 0 && gop.length <= maxQueued) {
      this.queue = gop.slice();
      this.waiting = null;
    } else {
      this.waiting = 'join';
    }
  }

  /** Units waiting to be read. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /** The next unit, or null once the upstream has ended and the queue is read, or after close(). */
  async read(): Promise<U | null> {
    for (;;) {
      const item = await this.next();
      if (!item) return null;
      if (item.kind === 'unit') return item.unit;
    }
  }

  /** The next unit or gap mark; null once the upstream has ended and the queue is read, or after close(). */
  async next(): Promise<HubItem<U> | null> {
    for (;;) {
      if (this.closed) return null;
      if (this.head < this.queue.length) {
        const entry = this.queue[this.head]!;
        this.queue[this.head++] = undefined as unknown as U;
        if (this.head === this.queue.length) {
          this.queue = [];
          this.head = 0;
        }
        return entry instanceof GapEntry ? { kind: 'gap', gap: entry.gap } : { kind: 'unit', unit: entry };
      }
      if (this.hub.end) return null;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<U> {
    for (;;) {
      const unit = await this.read();
      if (!unit) return;
      yield unit;
    }
  }

  /** Unsubscribes: drops what is queued; a pending read returns null. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.head = 0;
    this.hub.remove(this);
    this.wake();
    const onClose = this.onClose;
    this.onClose = null;
    onClose?.();
  }

  /** @internal */
  rejoin(): void {
    if (this.waiting !== 'skip') this.waiting = 'join';
  }

  /** @internal */
  offer(unit: U): void {
    if (this.waiting) {
      if (!unit.key) {
        if (this.waiting === 'skip') this.skippedUnits++;
        return;
      }
      this.waiting = null;
    } else if (this.queued >= this.maxQueued) {
      this.skips++;
      // Gap marks are kept: a subscriber that fell behind still learns that the connection was lost.
      const marks = this.queue.slice(this.head).filter((e) => e instanceof GapEntry);
      this.skippedUnits += this.queued - marks.length;
      this.queue = marks;
      this.head = 0;
      if (!unit.key) {
        this.waiting = 'skip';
        this.skippedUnits++;
        return;
      }
    }
    this.queue.push(unit);
    this.wake();
  }

  /** @internal */
  offerGap(gap: HubGap): void {
    if (this.closed) return;
    this.queue.push(new GapEntry(gap));
    this.waiting = 'join';
    this.wake();
  }

  /** @internal */
  wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}
