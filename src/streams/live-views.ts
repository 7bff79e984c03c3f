/**
 * What a live viewer (WebRTC, LL-HLS, a player page) can watch: every camera of the process, by its
 * name, at a quality ("original" is the camera's own packets; lower renditions are transcoded on
 * demand). A lease is one consumer of one stream at one quality: a hub subscription that joins at a
 * keyframe, and the codec parameters of the current connection (they may change after a gap mark,
 * when the camera reconnected: read stream() again then).
 */
import { KadrError } from '../core/errors.js';
import type { MediaUnit } from '../core/media-unit.js';
import type { LiveStreamInfo } from './live-camera.js';
import type { LiveCameras } from './live-cameras.js';
import type { HubSubscription } from './stream-hub.js';

/** The quality that passes the camera's own packets through. */
export const ORIGINAL_QUALITY = 'original';

export interface LiveViewInfo {
  /** The camera's name (or a served file's mount name): what URLs carry. */
  name: string;
  kind: 'camera' | 'file';
  /** The camera's id; null for a served file. */
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
}

export interface LiveViewSource {
  list(): LiveViewInfo[];
  get(name: string): LiveViewInfo | undefined;
  /** Throws KADR_ERR_NOT_FOUND for a name or quality it does not have. */
  acquire(name: string, quality: string, consumer: string): LiveViewLease;
}

/** The cameras of one process at their original quality. */
export class LiveViews implements LiveViewSource {
  constructor(private readonly cameras: LiveCameras) {}

  list(): LiveViewInfo[] {
    return this.cameras.list().map((c) => ({
      name: c.name,
      kind: 'camera' as const,
      cameraId: c.id,
      qualities: [ORIGINAL_QUALITY],
    }));
  }

  get(name: string): LiveViewInfo | undefined {
    return this.list().find((v) => v.name === name);
  }

  acquire(name: string, quality: string, consumer: string): LiveViewLease {
    const view = this.get(name);
    if (!view || view.cameraId === null) throw new KadrError('KADR_ERR_NOT_FOUND', `no live stream ${name}`);
    if (!view.qualities.includes(quality)) {
      throw new KadrError('KADR_ERR_NOT_FOUND', `${name} has no quality ${quality}`, {
        hint: `choose one of ${view.qualities.join(', ')}`,
      });
    }
    const id = view.cameraId;
    const subscription = this.cameras.acquire(id, consumer);
    return {
      subscription,
      stream: () => this.cameras.stream(id),
      close: () => subscription.close(),
    };
  }
}
