/**
 * An RTSP server for a folder of videos, for `kadr serve` to start next to the HTTP API: every video
 * file directly in `dir` is a mount named after the file (without extension), including files added
 * while it runs (found when a client first asks for them). The composition root
 * owns it: `const rtsp = await startFolderRtsp({ dir, ... })`, then `await rtsp.close()` on shutdown.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import { RtspServer } from '../rtsp/index.js';
import { FileSource, mountNameFor } from './file-source.js';
import { ByteBudget } from './rtp-unit-cache.js';
import { type LiveMounts, type MountRedirect, StreamRegistry } from './stream-registry.js';

const VIDEO_EXTENSIONS = new Set(['.mp4', '.m4v', '.mov', '.mkv', '.webm', '.avi', '.ts', '.mts']);

export interface FolderRtspOptions {
  /** The folder of videos; without one only the live cameras are served. */
  dir?: string | undefined;
  host?: string;
  port?: number;
  loop?: boolean;
  /** Memory for the mounts' shared packet caches (default 256 MiB; 0 turns them off). */
  cacheBytes?: number;
  auth?: { user: string; password: string };
  logger?: Logger;
  /** Live cameras served next to the files, each at `/<camera name>` (a file of the same name wins). */
  live?: LiveMounts;
  /** Where a mount not served here is (cameras of other nodes): answered with a 302. */
  redirect?: MountRedirect;
}

export interface FolderRtsp {
  port: number;
  /** Mounts served so far: the folder's videos at start, and those found since. */
  readonly mounts: string[];
  close(): Promise<void>;
}

export async function startFolderRtsp(o: FolderRtspOptions): Promise<FolderRtsp> {
  const logger = o.logger ?? silentLogger;
  const registry = new StreamRegistry(logger);
  if (o.live) registry.setLiveMounts(o.live);
  if (o.redirect) registry.setRedirect(o.redirect);
  const cacheBudget = o.cacheBytes === undefined ? undefined : new ByteBudget(o.cacheBytes);
  const dir = o.dir;
  if (dir !== undefined) await serveFolder(registry, dir, o, logger, cacheBudget);
  const server = new RtspServer({ handler: registry, host: o.host, port: o.port, auth: o.auth, logger });
  const { port } = await server.listen();
  return {
    port,
    get mounts() {
      return registry.mountNames;
    },
    close: async () => {
      await server.close();
      await registry.closeAll();
    },
  };
}

async function serveFolder(
  registry: StreamRegistry,
  dir: string,
  o: FolderRtspOptions,
  logger: Logger,
  cacheBudget: ByteBudget | undefined,
): Promise<void> {
  const sourceFor = (name: string, file: string) =>
    new FileSource(name, path.join(dir, file), { loop: o.loop, logger, cacheBudget });
  for (const [name, file] of await listVideos(dir, logger)) registry.add(sourceFor(name, file));
  // A file added later is found when a client asks for it: the folder is listed again, at most once a
  // second (a client asking for names that do not exist must not make the server list it per request).
  // Only names listed in the folder are served: a request path is never joined into a file path.
  let listed: { at: number; videos: Promise<Map<string, string>> } | undefined;
  registry.setFinder(async (name) => {
    if (!listed || performance.now() - listed.at > RELIST_MS) {
      listed = { at: performance.now(), videos: listVideos(dir, silentLogger).catch(() => new Map()) };
    }
    const file = (await listed.videos).get(name);
    return file === undefined ? undefined : sourceFor(name, file);
  });
}

const RELIST_MS = 1000;

/** Mount name → file name of every video directly in `dir`, alphabetically first on a name clash. */
async function listVideos(dir: string, logger: Logger): Promise<Map<string, string>> {
  const entries = await readdir(dir, { withFileTypes: true });
  const videos = new Map<string, string>();
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!e.isFile() || !VIDEO_EXTENSIONS.has(path.extname(e.name).toLowerCase())) continue;
    const name = mountNameFor(e.name);
    // cam.mp4 and cam.mkv would share a mount name: the first (alphabetically) wins, the other is logged
    if (videos.has(name)) {
      logger.warn('two files for one RTSP mount, serving the first', { mount: name, skipped: e.name });
      continue;
    }
    videos.set(name, e.name);
  }
  return videos;
}
