/**
 * The videos of the media folder as live streams: each is pulled, on demand, from kadr's own RTSP
 * mount of it (rtsp://127.0.0.1:<port>/<mount>), as a camera would be. So a viewer of a file sees
 * exactly what an RTSP client of kadr sees: the file looped in real time by the same FileSource, the
 * same timestamps, one pull however many viewers, stopped when the last leaves. A second path from
 * the file into a hub would have to repeat the RTSP server's pacing, looping and packet cache.
 *
 * The pulls live in a LiveCameras runtime of their own: the files are not cameras (not in the camera
 * list, its metrics or its RTSP mounts, which would otherwise serve a pull of a mount at that mount).
 */
import type { Logger } from '../core/logger.js';
import { LiveCameras } from './live-cameras.js';

export interface ServedFilesOptions {
  /** The folder's mounts as the RTSP server knows them now (files added later included). */
  mounts(): string[];
  /** kadr's RTSP server: where to pull a mount from, and its credentials when it asks for them. */
  host: string;
  port: number;
  auth?: { user: string; password: string };
  /** A file nobody watches is let go this long after its last viewer (default 10 s). */
  idleStopMs?: number;
  logger?: Logger;
}

export class ServedFiles {
  readonly pulls: LiveCameras;

  constructor(private readonly o: ServedFilesOptions) {
    this.pulls = new LiveCameras({
      logger: o.logger,
      idleStopMs: o.idleStopMs,
      reconnectMinMs: 500,
      reconnectMaxMs: 5000,
    });
  }

  /** The mount names, each with the id of its pull in `pulls` (added the first time it is seen). */
  list(): { id: string; name: string }[] {
    const known = new Set(this.pulls.ids);
    return this.o.mounts().map((name) => {
      const id = `file:${name}`;
      if (!known.has(id)) {
        this.pulls.put({ id, name, url: this.urlOf(name), transport: 'tcp', onDemand: true });
      }
      return { id, name };
    });
  }

  close(): Promise<void> {
    return this.pulls.close();
  }

  private urlOf(name: string): string {
    const wildcard = this.o.host === '0.0.0.0' || this.o.host === '::' || this.o.host === '[::]';
    const host = wildcard
      ? '127.0.0.1'
      : this.o.host.includes(':') && !this.o.host.startsWith('[')
        ? `[${this.o.host}]`
        : this.o.host;
    const url = new URL(`rtsp://${host}:${this.o.port}/`);
    url.pathname = `/${encodeURIComponent(name)}`;
    if (this.o.auth) {
      url.username = encodeURIComponent(this.o.auth.user);
      url.password = encodeURIComponent(this.o.auth.password);
    }
    return url.toString();
  }
}
