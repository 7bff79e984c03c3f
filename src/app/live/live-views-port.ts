/**
 * The live streams a viewer can watch, as the HTTP API sees them. The API is built before the live
 * runtime exists (the composition root starts the cameras after the HTTP server), so the runtime is
 * handed in later with use(); until then, and in a process without cameras, nothing is listed and
 * asking for a stream says so.
 *
 * Open JPEG ingest sessions (docs/ingest.md) are listed too, by their name, at their original
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
  private ingest: IngestLiveSource | null = null;

  /** Wires the runtime (the composition root does, once). */
  use(source: LiveViewSource): void {
    this.source = source;
  }

  /** Lists the open ingest sessions as live streams (the app does, once). */
  useIngest(ingest: IngestLiveSource): void {
    this.ingest = ingest;
  }

  list(): LiveViewInfo[] {
    const listed = this.source?.list() ?? [];
    const taken = new Set(listed.map((v) => v.name));
    for (const name of this.ingest?.liveNames() ?? []) {
      if (!taken.has(name)) listed.push(ingestView(name));
    }
    return listed;
  }

  get(name: string): LiveViewInfo | undefined {
    const found = this.source?.get(name);
    if (found) return found;
    return this.ingest?.live(name) ? ingestView(name) : undefined;
  }

  acquire(name: string, quality: string, consumer: string): LiveViewLease {
    const ingest = this.source?.get(name) ? null : this.ingest?.live(name);
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
