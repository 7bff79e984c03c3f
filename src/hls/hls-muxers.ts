/**
 * The LL-HLS muxers of a process: one per (stream, quality), started by the first request for it and
 * stopped once nobody has asked for anything of it for `idleMs` (a player reloads its playlist every
 * part target, so 30 s of silence means every viewer left).
 */
import type { Logger } from '../core/logger.js';
import type { LiveViewSource } from '../streams/index.js';
import { HlsMuxer, type HlsMuxerOptions } from './hls-muxer.js';

export interface HlsMuxersOptions extends HlsMuxerOptions {
  idleMs: number;
  logger?: Logger;
}

export const defaultHlsOptions: HlsMuxersOptions = {
  partTargetMs: 200,
  segmentTargetMs: 1000,
  segmentCount: 7,
  firstSegmentWaitMs: 15_000,
  idleMs: 30_000,
};

export class HlsMuxers {
  private readonly muxers = new Map<string, HlsMuxer>();
  private readonly sweep: NodeJS.Timeout;
  private readonly options: HlsMuxersOptions;

  constructor(
    private readonly source: LiveViewSource,
    options: Partial<HlsMuxersOptions> = {},
  ) {
    this.options = { ...defaultHlsOptions, ...options };
    this.sweep = setInterval(() => this.stopIdle(), Math.min(5000, this.options.idleMs / 2));
    this.sweep.unref();
  }

  /** The muxer of a stream at a quality, started if needed; throws KADR_ERR_NOT_FOUND for an unknown one. */
  get(name: string, quality: string): HlsMuxer {
    const key = `${name}\n${quality}`;
    const running = this.muxers.get(key);
    if (running && !running.isEnded) {
      running.lastUsedMs = Date.now();
      return running;
    }
    const lease = this.source.acquire(name, quality, `hls:${quality}`);
    const muxer = new HlsMuxer(name, quality, lease, this.options, this.options.logger);
    this.muxers.set(key, muxer);
    return muxer;
  }

  /** Muxers running now (a test sees the idle stop). */
  get running(): number {
    return [...this.muxers.values()].filter((m) => !m.isEnded).length;
  }

  close(): void {
    clearInterval(this.sweep);
    for (const m of this.muxers.values()) m.close();
    this.muxers.clear();
  }

  private stopIdle(): void {
    const now = Date.now();
    for (const [key, m] of this.muxers) {
      if (m.isEnded || now - m.lastUsedMs > this.options.idleMs) {
        m.close();
        this.muxers.delete(key);
      }
    }
  }
}
