/**
 * Where a destination's spool lives when the user names none: one folder per destination under the
 * user's state directory, so that a restarted `kadr record --to X` finds what the killed one left for X.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

export function defaultSpoolDir(destination: string, env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.KADR_SPOOL_DIR ||
    path.join(env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state'), 'kadr', 'spool');
  const id = createHash('sha256').update(destination).digest('hex').slice(0, 16);
  return path.join(base, id);
}
