/**
 * Sweeps what writers killed mid-write (kill -9, a pulled plug) leave in the folder store: hidden
 * `.kadr-tmp-*` files and the folders they leave empty. Several processes may share one folder
 * (`kadr serve`, `kadr worker`, `kadr record`), so a temp file is removed only once nobody has
 * written to it for STALE_TEMP_MS: every live writer touches its temp file with each write, and an
 * upload idle for longer than the HTTP server's socket timeout (120 s) is dropped. The sweep runs at
 * start and then every STALE_TEMP_MS, so a crash leaves nothing behind for more than two periods.
 * The S3 store needs none of this: an unfinished multipart upload is never an object (and a bucket
 * lifecycle rule expires its parts).
 */
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { FsObjectStore } from './fs-store.js';
import type { ObjectStore } from './object-store.js';

export const STALE_TEMP_MS = 10 * 60_000;

/** Starts the sweeps; the returned function stops them. */
export function sweepAbandonedWrites(store: ObjectStore, log: Logger, everyMs = STALE_TEMP_MS): () => void {
  if (!(store instanceof FsObjectStore)) return () => {};
  const sweep = () =>
    store.removeStaleTemp(STALE_TEMP_MS).then(
      (removed) => {
        if (removed > 0) log.info('removed temp files left by interrupted writes', { removed });
      },
      (e: unknown) => log.warn('temp file sweep failed', { error: describeError(e) }),
    );
  void sweep();
  const timer = setInterval(() => void sweep(), everyMs).unref();
  return () => clearInterval(timer);
}
