/**
 * Where a destination's spool lives when the user names none: one folder per destination under the
 * user's state directory, so that a restarted `kadr record --to X` finds what the killed one left for X.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { loadConfig } from '../config/index.js';

/** `base`: KADR_SPOOL_DIR, else $XDG_STATE_HOME/kadr/spool, else ~/.local/state/kadr/spool. */
export function defaultSpoolDir(destination: string, base = loadConfig().paths.spoolRoot): string {
  const id = createHash('sha256').update(destination).digest('hex').slice(0, 16);
  return path.join(base, id);
}
