/**
 * What a live viewer (WebRTC, LL-HLS, a player page) can watch: every camera of the process and every
 * video of the media folder (served-files.ts), by name, at a quality. "original" is the stream's own
 * packets; the ladder's rungs ("720p", "480p", "240p": KADR_LIVE_QUALITIES) and, for an H.265 stream,
 * "h264" (its own size) are renditions: one shared encoder per stream and quality (rendition.ts),
 * started by the first viewer who asks and stopped some seconds after the last one leaves.
 *
 * A lease is one consumer of one stream at one quality: a hub subscription that joins at a keyframe,
 * and the codec parameters of the current connection (they may change after a gap mark, when the
 * camera reconnected: read stream() again then).
 *
 * Names: a camera and a served file with the same name list once, as the camera (a file can be renamed
 * on disk; a camera's name is what its users know it by).
 *
 * Qualities depend on the stream: a rung at or above its height is left out, and "h264" is offered
 * for H.265 only. Both are known once the stream has connected; before that (an on-demand camera or a
 * file nobody has watched yet) every rung is listed and "h264" is not. A rung chosen before the height
 * was known is never scaled up: it comes out at the stream's own height.
 */
import { KadrError } from '../core/errors.js';
import { type Logger, silentLogger } from '../core/logger.js';
import type { MediaUnit } from '../core/media-unit.js';
import type { LiveStreamInfo } from './live-camera.js';
import type { LiveCameras } from './live-cameras.js';
import { Rendition, type RenditionSpec } from './rendition.js';
import type { ServedFiles } from './served-files.js';
import type { HubSubscription } from './stream-hub.js';

/** The quality that passes the camera's own packets through. */
export const ORIGINAL_QUALITY = 'original';
/** The quality of an H.265 stream re-encoded as H.264 at its own size (browsers without H.265). */
export const H264_QUALITY = 'h264';

export interface LiveViewInfo {
  /** The camera's name (or a served file's mount name): what URLs carry. */
  name: string;
  /** 'ingest': an open JPEG ingest session (listed by the app, not by LiveViews). */
  kind: 'camera' | 'file' | 'ingest';
  /** The camera's id; null for a served file or an ingest session. */
  cameraId: string | null;
  /** The qualities a viewer may choose, "original" first. */
  qualities: string[];
}

export interface LiveViewLease {
  readonly subscription: HubSubscription<MediaUnit>;
  /** The codec parameters of the stream's current connection; null before it has one. */
  stream(): LiveStreamInfo | null;
  /** Ends the subscription (idempotent); the stream stops when its last consumer leaves. */
  close(): void;
  /**
   * Asks for a keyframe soon (a viewer's picture-loss request). Present on renditions, whose encoder
   * can make one; absent on "original", which has only the camera's own keyframes.
   */
  requestKeyframe?(): void;
}

export interface LiveViewSource {
  list(): LiveViewInfo[];
  get(name: string): LiveViewInfo | undefined;
  /** Throws KADR_ERR_NOT_FOUND for a name or quality it does not have. */
  acquire(name: string, quality: string, consumer: string): LiveViewLease;
  /**
   * The qualities of a stream of that codec and height (null: not known yet) with this process's
   * ladder: for a camera another node runs, from what its owner reported.
   */
  qualitiesFor?(codec: string | null, height: number | null): string[];
}

export interface LiveViewsOptions {
  /** Rendition heights below the original, highest first (default 720, 480, 240). */
  ladder?: readonly number[];
  /** A rendition's encoder stops this long after its last viewer left (default 10 s). */
  renditionLingerMs?: number;
  /** x264 preset of the renditions (default veryfast). */
  preset?: string;
  /** The media folder's videos, watchable as live streams. */
  files?: ServedFiles;
  logger?: Logger;
}

/** One stream a viewer can watch, and the runtime that pulls it. */
interface Entry {
  info: LiveViewInfo;
  runtime: LiveCameras;
  id: string;
}

/** Quality of the renditions: x264's default CRF, capped by a bitrate that grows with the picture. */
export const RENDITION_CRF = 23;

/** 2.5 Mbit/s at 720p, scaled by the pixel count (about 1.1 Mbit/s at 480p), at least 200 kbit/s. */
export function renditionMaxRateBps(height: number): number {
  return Math.max(200_000, Math.round(2_500_000 * (height / 720) ** 2));
}

/** The cameras of one process, and the media folder's videos, at every quality. */
export class LiveViews implements LiveViewSource {
  private readonly renditions = new Map<string, Rendition>();
  private readonly ladder: readonly number[];
  private readonly log: Logger;

  constructor(
    private readonly cameras: LiveCameras,
    private readonly o: LiveViewsOptions = {},
  ) {
    this.ladder = o.ladder ?? [720, 480, 240];
    this.log = o.logger ?? silentLogger;
  }

  list(): LiveViewInfo[] {
    return this.entries().map((e) => e.info);
  }

  get(name: string): LiveViewInfo | undefined {
    return this.find(name)?.info;
  }

  acquire(name: string, quality: string, consumer: string): LiveViewLease {
    const entry = this.find(name);
    if (!entry) throw new KadrError('KADR_ERR_NOT_FOUND', `no live stream ${name}`);
    if (!entry.info.qualities.includes(quality)) {
      throw new KadrError('KADR_ERR_NOT_FOUND', `${name} has no quality ${quality}`, {
        hint: `choose one of ${entry.info.qualities.join(', ')}`,
      });
    }
    const { runtime, id } = entry;
    if (quality === ORIGINAL_QUALITY) {
      // A viewer: the camera's units are read as they arrive (LiveCameras.acquire `live`).
      const subscription = runtime.acquire(id, consumer, { live: true });
      return { subscription, stream: () => runtime.stream(id), close: () => subscription.close() };
    }
    const rendition = this.rendition(entry, quality);
    const subscription = rendition.subscribe();
    return {
      subscription,
      stream: () => rendition.stream(),
      close: () => subscription.close(),
      requestKeyframe: () => rendition.requestKeyframe(),
    };
  }

  /** The renditions whose encoder runs now: stream name, quality, and what each has done. */
  runningRenditions(): { name: string; quality: string; pictures: number; droppedUnits: number }[] {
    return [...this.renditions.values()].map((r) => ({
      name: r.name,
      quality: r.spec.quality,
      pictures: r.encodedPictures,
      droppedUnits: r.droppedUnits,
    }));
  }

  /** Stops every rendition (the runtimes themselves are their owners' to close). */
  async close(): Promise<void> {
    await Promise.all([...this.renditions.values()].map((r) => r.stop()));
  }

  private rendition(entry: Entry, quality: string): Rendition {
    const key = `${entry.info.kind}\u0000${entry.id}\u0000${quality}`;
    const running = this.renditions.get(key);
    if (running?.running) return running;
    const { runtime, id } = entry;
    const height = quality === H264_QUALITY ? null : Number.parseInt(quality, 10);
    const sourceHeight = runtime.health(id)?.height ?? 1080;
    const spec: RenditionSpec = {
      quality,
      height,
      preset: this.o.preset ?? 'veryfast',
      crf: RENDITION_CRF,
      maxRateBps: renditionMaxRateBps(height ?? sourceHeight),
    };
    const rendition: Rendition = new Rendition(
      entry.info.name,
      spec,
      {
        acquire: (consumer) => runtime.acquire(id, consumer, { live: true }),
        stream: () => runtime.stream(id),
        fps: () => runtime.health(id)?.fps ?? null,
      },
      {
        lingerMs: this.o.renditionLingerMs,
        logger: this.log,
        onStopped: () => {
          if (this.renditions.get(key) === rendition) this.renditions.delete(key);
        },
      },
    );
    this.renditions.set(key, rendition);
    return rendition;
  }

  private find(name: string): Entry | undefined {
    return this.entries().find((e) => e.info.name === name);
  }

  private entries(): Entry[] {
    const out: Entry[] = this.cameras.list().map((c) => ({
      info: { name: c.name, kind: 'camera', cameraId: c.id, qualities: this.qualities(this.cameras, c.id) },
      runtime: this.cameras,
      id: c.id,
    }));
    const files = this.o.files;
    if (files) {
      const taken = new Set(out.map((e) => e.info.name));
      for (const f of files.list()) {
        if (taken.has(f.name)) continue;
        out.push({
          info: { name: f.name, kind: 'file', cameraId: null, qualities: this.qualities(files.pulls, f.id) },
          runtime: files.pulls,
          id: f.id,
        });
      }
    }
    return out;
  }

  private qualities(runtime: LiveCameras, id: string): string[] {
    const health = runtime.health(id);
    return this.qualitiesFor(health?.codec ?? null, health?.height ?? null);
  }

  qualitiesFor(codec: string | null, height: number | null): string[] {
    if (codec !== null && codec !== 'h264' && codec !== 'hevc') return [ORIGINAL_QUALITY];
    const rungs = this.ladder.filter((h) => height === null || h < height).map((h) => `${h}p`);
    return [ORIGINAL_QUALITY, ...rungs, ...(codec === 'hevc' ? [H264_QUALITY] : [])];
  }
}
