/**
 * The live streams a viewer can watch, as the HTTP API sees them. The API is built before the live
 * runtime exists (the composition root starts the cameras after the HTTP server), so the runtime is
 * handed in later with use(); until then, and in a process without cameras, nothing is listed and
 * asking for a stream says so.
 *
 * Open JPEG ingest and WHIP sessions (docs/ingest.md) are listed too, by their name, at their original
 * quality only (kind 'ingest'); a camera or served file of the same name wins.
 */
import { KadrError } from '../../core/errors.js';
import type { MediaUnit } from '../../core/media-unit.js';
import type {
  LiveStreamInfo,
  LiveViewInfo,
  LiveViewLease,
  LiveViewSource,
  StreamHub,
} from '../../streams/index.js';
import { ORIGINAL_QUALITY } from '../../streams/index.js';

/** The open ingest sessions, as live streams (IngestService satisfies it). */
export interface IngestLiveSource {
  liveNames(): string[];
  live(name: string): { hub: StreamHub<MediaUnit>; stream(): LiveStreamInfo | null } | null;
}

export class LiveViewsPort implements LiveViewSource {
  private source: LiveViewSource | null = null;
  private readonly ingests: IngestLiveSource[] = [];

  /** Wires the runtime (the composition root does, once). */
  use(source: LiveViewSource): void {
    this.source = source;
  }

  /** Lists the open sessions of an ingest (JPEG frames, WHIP) as live streams (the app does, once each). */
  useIngest(ingest: IngestLiveSource): void {
    this.ingests.push(ingest);
  }

  private ingestLive(name: string) {
    for (const ingest of this.ingests) {
      const live = ingest.live(name);
      if (live) return live;
    }
    return null;
  }

  list(): LiveViewInfo[] {
    const listed = this.source?.list() ?? [];
    const taken = new Set(listed.map((v) => v.name));
    for (const name of this.ingests.flatMap((i) => i.liveNames())) {
      if (!taken.has(name)) listed.push(ingestView(name));
      taken.add(name);
    }
    return listed;
  }

  get(name: string): LiveViewInfo | undefined {
    const found = this.source?.get(name);
    if (found) return found;
    return this.ingestLive(name) ? ingestView(name) : undefined;
  }

  qualitiesFor(codec: string | null, height: number | null): string[] {
    return this.source?.qualitiesFor?.(codec, height) ?? [ORIGINAL_QUALITY];
  }

  acquire(name: string, quality: string, consumer: string): LiveViewLease {
    const ingest = this.source?.get(name) ? null : this.ingestLive(name);
    if (ingest) {
      if (quality !== ORIGINAL_QUALITY) {
        throw new KadrError('KADR_ERR_NOT_FOUND', `${name} has no quality ${quality}`, {
          hint: `an ingest session is watched at ${ORIGINAL_QUALITY}`,
        });
      }
      const subscription = ingest.hub.subscribe();
      return { subscription, stream: () => ingest.stream(), close: () => subscription.close() };
    }
    if (!this.source) {
      throw new KadrError('KADR_ERR_NOT_FOUND', `no live stream ${name}`, {
        hint: 'this kadr process runs no cameras (kadr serve does)',
      });
    }
    return this.source.acquire(name, quality, consumer);
  }
}

function ingestView(name: string): LiveViewInfo {
  return { name, kind: 'ingest', cameraId: null, qualities: [ORIGINAL_QUALITY] };
}
