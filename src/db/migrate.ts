/**
 * Applies the migrations that are not yet recorded in kadr_migrations, each in its own
 * transaction, in order. An advisory lock serialises concurrent starts (an API process and two
 * workers starting at once on one database).
 */
import type pg from 'pg';
import type { Logger } from '../core/logger.js';
import { migrations as all, type Migration } from './migrations/index.js';

const LOCK_ID = 0x6b616472; // "kadr"

export async function migrate(pool: pg.Pool, log: Logger, migrations: Migration[] = all): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    await client.query(`CREATE TABLE IF NOT EXISTS kadr_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM kadr_migrations');
    const done = new Set(rows.map((r) => r.version));
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO kadr_migrations (version, name) VALUES ($1, $2)', [
          m.version,
          m.name,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      log.info('migration applied', { version: m.version, name: m.name });
      applied.push(m.version);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]).catch(() => undefined);
    client.release();
  }
  return applied;
}
