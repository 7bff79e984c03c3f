/**
 * Where a node spools its cameras' segments: `<spool root>/cameras/<node id>/<camera id>`. One folder
 * per node, because nodes on one host share the spool root and a journal that a killed node left
 * would otherwise be taken as this node's own crash by the node that takes its camera over
 * (docs/nodes.md "Timing"). The node id is the same after a restart, so a node finds its own.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../core/logger.js';

const CAMERA_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The node's camera spool folder. Journals that a kadr from before per-node folders left directly
 * under `<spool root>/cameras/<camera id>` are moved into it first, so that they are still stored
 * when their camera records again.
 */
export function nodeCameraSpool(spoolRoot: string, nodeId: string, log: Logger): string {
  const cameras = path.join(spoolRoot, 'cameras');
  const dir = path.join(cameras, nodeId.replace(/[^\w.-]|^\./g, '_'));
  if (!existsSync(cameras)) return dir;
  for (const name of readdirSync(cameras)) {
    const old = path.join(cameras, name);
    if (!CAMERA_ID.test(name) || !statSync(old).isDirectory()) continue;
    const target = path.join(dir, name);
    mkdirSync(target, { recursive: true });
    for (const file of readdirSync(old)) renameSync(path.join(old, file), path.join(target, file));
    rmdirSync(old);
    log.info('spool of an earlier kadr moved to this node', { from: old, to: target });
  }
  return dir;
}
