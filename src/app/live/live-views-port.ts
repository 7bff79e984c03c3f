/**
 * The live streams a viewer can watch, as the HTTP API sees them. The API is built before the live
 * runtime exists (the composition root starts the cameras after the HTTP server), so the runtime is
 * handed in later with use(); until then, and in a process without cameras, nothing is listed and
 * asking for a stream says so.
 */
import { KadrError } from '../../core/errors.js';
import type { LiveViewInfo, LiveViewLease, LiveViewSource } from '../../streams/index.js';

export class LiveViewsPort implements LiveViewSource {
  private source: LiveViewSource | null = null;

  /** Wires the runtime (the composition root does, once). */
  use(source: LiveViewSource): void {
    this.source = source;
  }

  list(): LiveViewInfo[] {
    return this.source?.list() ?? [];
  }

  get(name: string): LiveViewInfo | undefined {
    return this.source?.get(name);
  }

  acquire(name: string, quality: string, consumer: string): LiveViewLease {
    if (!this.source) {
      throw new KadrError('KADR_ERR_NOT_FOUND', `no live stream ${name}`, {
        hint: 'this kadr process runs no cameras (kadr serve does)',
      });
    }
    return this.source.acquire(name, quality, consumer);
  }
}
