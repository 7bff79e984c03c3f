/**
 * An RTSP server for a folder of videos, for `kadr serve` to start next to the HTTP API: every video
 * file directly in `dir` is a mount named after the file (without extension). The composition root
 * owns it: `const rtsp = await startFolderRtsp({ dir, ... })`, then `await rtsp.close()` on shutdown.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import { RtspServer } from '../rtsp/rtsp-server.js';
import { FileSource, mountNameFor } from './file-source.js';
import { ByteBudget } from './rtp-unit-cache.js';
import { StreamRegistry } from './stream-registry.js';

const VIDEO_EXTENSIONS = new Set(['.mp4', '.m4v', '.mov', '.mkv', '.webm', '.avi', '.ts', '.mts']);

export interface FolderRtspOptions {
  dir: string;
  host?: string;
  port?: number;
  loop?: boolean;
  /** Memory for the mounts' shared packet caches (default 256 MiB; 0 turns them off). */
  cacheBytes?: number;
  auth?: { user: string; password: string };
  logger?: Logger;
}

export interface FolderRtsp {
  port: number;
  mounts: string[];
  close(): Promise<void>;
}

export async function startFolderRtsp(o: FolderRtspOptions): Promise<FolderRtsp> {
  const logger = o.logger ?? silentLogger;
  const registry = new StreamRegistry(logger);
  const entries = await readdir(o.dir, { withFileTypes: true });
  const taken = new Set<string>();
  const cacheBudget = o.cacheBytes === undefined ? undefined : new ByteBudget(o.cacheBytes);
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!e.isFile() || !VIDEO_EXTENSIONS.has(path.extname(e.name).toLowerCase())) continue;
    const name = mountNameFor(e.name);
    // cam.mp4 and cam.mkv would share a mount name: the first (alphabetically) wins, the other is logged
    if (taken.has(name)) {
      logger.warn('two files for one RTSP mount, serving the first', { mount: name, skipped: e.name });
      continue;
    }
    taken.add(name);
    registry.add(new FileSource(name, path.join(o.dir, e.name), { loop: o.loop, logger, cacheBudget }));
  }
  const server = new RtspServer({ handler: registry, host: o.host, port: o.port, auth: o.auth, logger });
  const { port } = await server.listen();
  return {
    port,
    mounts: registry.mountNames,
    close: async () => {
      await server.close();
      await registry.closeAll();
    },
  };
}
