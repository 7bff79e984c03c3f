/**
 * A camera whose video is pushed to kadr (a WHIP sender, JPEG frames over HTTP: docs/ingest.md) as a
 * LiveSource, so that it runs through the same LiveCamera as a pulled camera (hub, restream, gap
 * marks, health). There is nothing to dial: connect() waits until a session attaches, the pull then
 * reads the session's units, and the session's end is the connection's loss (a gap mark in the hub;
 * the supervisor waits for the next session, which its probe sees at once).
 */
import { KadrError } from '../core/errors.js';
import type { MediaUnit } from '../core/media-unit.js';
import type { Fmp4TrackSpec } from '../media/index.js';
import type { CameraUnit, CameraVideoInfo, PullEnd } from './camera-unit.js';
import type { LivePull, LiveSource } from './live-camera.js';
import { PacketPool } from './packet-pool.js';

/** What the session knows of its stream at its first keyframe. */
export interface PushStream {
  /** With the parameter sets (the restream's SDP needs them). */
  info: CameraVideoInfo;
  track: Fmp4TrackSpec | null;
  reorderDepth: number;
}

/** The session's side: units in, then the end. */
export interface PushFeed {
  unit(unit: MediaUnit): void;
  end(reason: string): void;
}

/** Units waiting for the camera's reader at most (10 s at 30 fps): past it the oldest are dropped. */
const MAX_WAITING = 300;

class PushPull implements LivePull {
  readonly dtsFromPts = true;
  end: PullEnd | null = null;
  private readonly queue: CameraUnit[] = [];
  private wake: (() => void) | null = null;
  private readonly pool = new PacketPool();
  dropped = 0;

  constructor(private readonly stream: PushStream) {}

  get info(): CameraVideoInfo {
    return this.stream.info;
  }

  get track(): Fmp4TrackSpec | object {
    return this.stream.track ?? {};
  }

  get reorderDepth(): number {
    return this.stream.reorderDepth;
  }

  push(unit: MediaUnit): void {
    if (this.end) return;
    if (this.queue.length >= MAX_WAITING) {
      this.pool.recycle(this.queue.shift()!.data);
      this.dropped++;
    }
    this.queue.push({ ...unit, data: this.pool.fill(unit), ptsEstimated: false });
    this.poke();
  }

  finish(reason: string): void {
    this.end ??= { kind: 'error', code: 0, message: reason };
    this.poke();
  }

  async read(): Promise<CameraUnit | null> {
    for (;;) {
      const unit = this.queue.shift();
      if (unit) return unit;
      if (this.end) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  recycle(packet: CameraUnit['data']): void {
    this.pool.recycle(packet);
  }

  close(): Promise<void> {
    this.finish('closed');
    for (const u of this.queue.splice(0)) this.pool.recycle(u.data);
    this.pool.close();
    return Promise.resolve();
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

export class PushSource implements LiveSource {
  private current: PushPull | null = null;
  /** The pull attached and not yet handed to connect(). */
  private waiting: PushPull | null = null;
  private wake: (() => void) | null = null;

  constructor(readonly name: string) {}

  /** A session is sending. */
  get attached(): boolean {
    return this.current !== null;
  }

  /** A session begins: its units go to the camera until it ends. One session at a time. */
  attach(stream: PushStream): PushFeed {
    if (this.current) {
      throw new KadrError('KADR_ERR_CONFLICT', `${this.name} has a session sending already`, {
        hint: 'end that session first, or send under another name',
      });
    }
    const pull = new PushPull(stream);
    this.current = pull;
    this.waiting = pull;
    this.poke();
    return {
      unit: (unit) => pull.push(unit),
      end: (reason) => {
        pull.finish(reason);
        if (this.current === pull) this.current = null;
        if (this.waiting === pull) {
          this.waiting = null;
          void pull.close();
        }
      },
    };
  }

  async connect(signal: AbortSignal): Promise<LivePull> {
    while (!this.waiting) {
      if (signal.aborted) throw new Error('stopped');
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          resolve();
        };
        this.wake = done;
        signal.addEventListener('abort', done);
      });
    }
    const pull = this.waiting;
    this.waiting = null;
    // Aborted while a session was attached: its units stop here (the session goes on alone).
    if (signal.aborted) {
      void pull.close();
      throw new Error('stopped');
    }
    return pull;
  }

  /** "Is the source there": a session is waiting to be read. */
  probe(): Promise<boolean> {
    return Promise.resolve(this.waiting !== null);
  }

  stillThere(): Promise<boolean> {
    return Promise.resolve(false);
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
