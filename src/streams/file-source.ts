/**
 * A video file as a stream source: each client gets its own session, paced by the file's own
 * timestamps (FilePlayback). The clients of a mount share one RtpUnitCache when the budget allows (the
 * file is read and packetized once); otherwise, and for transcoded codecs, each client gets its own
 * reader and packetizer. The description is made once and cached.
 */
import { randomInt } from 'node:crypto';
import path from 'node:path';
import { DEFAULT_RTSP_CACHE_BYTES } from '../config/index.js';
import { KadrError } from '../core/errors.js';
import { RtpFileTrack } from '../media/index.js';
import type { RtpSink } from '../rtsp/index.js';
import type { Logger } from '../core/logger.js';
import { FilePlayback } from './file-playback.js';
import { CachedRtpTrack } from './cached-rtp-track.js';
import type { OpenPacedTrack } from './paced-track.js';
import { ByteBudget, RtpUnitCache } from './rtp-unit-cache.js';
import type { SourceConsumer, SourceDescription, StreamSource } from './source.js';

export const FILE_TRACK = 'track0';

/** For the mounts that are not given a budget (the CLI gives one, from --cache / KADR_RTSP_CACHE). */
const defaultBudget = new ByteBudget(DEFAULT_RTSP_CACHE_BYTES);

/** A cache nobody uses is kept this long, for the next client (players reconnect, tests repeat). */
const CACHE_IDLE_MS = 30_000;

export interface FileSourceOptions {
  loop?: boolean;
  logger: Logger;
  /** Memory the packet caches of all mounts share; a budget of 0 turns caching off. */
  cacheBudget?: ByteBudget;
}

export class FileSource implements StreamSource {
  private description: Promise<SourceDescription> | undefined;
  private cache: Promise<RtpUnitCache | undefined> | undefined;
  private cacheUsers = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    readonly path: string,
    private readonly options: FileSourceOptions,
  ) {}

  describe(): Promise<SourceDescription> {
    this.description ??= this.makeDescription();
    // A failed description is retried by the next DESCRIBE instead of being cached.
    this.description.catch(() => (this.description = undefined));
    return this.description;
  }

  private async makeDescription(): Promise<SourceDescription> {
    const track = await RtpFileTrack.open({ path: this.path, probe: true, ssrc: 0, seq: 0, onRtp: () => {} });
    try {
      const section = await track.sdpMediaSection();
      return {
        mediaSections: [section],
        tracks: [FILE_TRACK],
        durationSec: this.options.loop ? undefined : track.durationSec,
      };
    } finally {
      await track.close();
    }
  }

  async createConsumer(trackName: string, sink: RtpSink): Promise<SourceConsumer> {
    if (trackName !== FILE_TRACK)
      throw new KadrError('KADR_ERR_NOT_FOUND', `no track ${trackName} in ${this.name}`);
    return FilePlayback.open({
      openTrack: await this.trackOpener(),
      sink,
      logger: this.options.logger.child({ mount: this.name }),
    });
  }

  private async trackOpener(): Promise<OpenPacedTrack> {
    const loop = this.options.loop ?? false;
    const ssrc = randomInt(1, 2 ** 32 - 1);
    const seq = randomInt(0, 0x1000);
    const cache = await this.sharedCache();
    if (!cache) return (out) => RtpFileTrack.open({ path: this.path, loop, ssrc, seq, onRtp: out.packet });
    clearTimeout(this.idleTimer);
    this.cacheUsers++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (--this.cacheUsers === 0) {
        this.idleTimer = setTimeout(() => void this.dropCache(), CACHE_IDLE_MS).unref();
      }
    };
    return async (out) => new CachedRtpTrack(cache, { loop, ssrc, seq, out, onClose: release });
  }

  private sharedCache(): Promise<RtpUnitCache | undefined> {
    const budget = this.options.cacheBudget ?? defaultBudget;
    if (budget.limit === 0) return Promise.resolve(undefined);
    if (!this.cache) {
      const opening = RtpUnitCache.open(this.path, budget).then((c) => {
        // over budget: the next client tries again (the budget may have freed up); a failure too
        if (c === 'over-budget' && this.cache === opening) this.cache = undefined;
        return typeof c === 'string' ? undefined : c;
      });
      opening.catch(() => this.cache === opening && (this.cache = undefined));
      this.cache = opening;
    }
    return this.cache;
  }

  private async dropCache(): Promise<void> {
    if (this.cacheUsers > 0) return;
    const cache = this.cache;
    this.cache = undefined;
    await (await cache?.catch(() => undefined))?.dispose();
  }

  /** Frees the packet cache (server shutdown; sessions are closed first). */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    this.cacheUsers = 0;
    await this.dropCache();
  }
}

/** Mount name of a file: its name without extension (`/videos/cam 1.mp4` → `cam 1`). */
export function mountNameFor(file: string): string {
  return path.basename(file, path.extname(file));
}
