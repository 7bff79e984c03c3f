/**
 * Opens kadr's database: the PostgreSQL at DATABASE_URL, or kadr's embedded one; runs the
 * migrations; returns a pg Pool and a close() that also stops the embedded server.
 */
import pg from 'pg';
import { KadrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { migrate } from './migrate.js';

export interface Database {
  pool: pg.Pool;
  /** Connection string (for pg-boss and LISTEN clients); contains a password: never log it. */
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPort?: number;
  poolSize?: number;
  log: Logger;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const embedded = options.databaseUrl
    ? undefined
    : await startEmbeddedPostgres(options.dataDir, { port: options.embeddedPort ?? 0, log: options.log });
  const url = options.databaseUrl ?? embedded!.url;
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  // An idle client that loses its connection emits 'error' on the pool; without a listener
  // that would crash the process. The next query gets a fresh connection.
  pool.on('error', (e) => options.log.warn('postgres connection lost', { error: e.message }));
  try {
    await pool.query('SELECT 1');
    await migrate(pool, options.log);
  } catch (error) {
    await pool.end().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    if (error instanceof KadrError) throw error;
    throw new KadrError('KADR_ERR_INTERNAL', `cannot use the database: ${(error as Error).message}`, {
      cause: error,
      hint: options.databaseUrl ? 'check DATABASE_URL and that the server is reachable' : undefined,
    });
  }
  return {
    pool,
    url,
    embedded: embedded !== undefined,
    async close() {
      await pool.end().catch(() => undefined);
      await embedded?.stop();
    },
  };
}
