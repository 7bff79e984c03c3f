/**
 * Each test file gets its own database in the test PostgreSQL (DATABASE_URL from the postgres test
 * service), so that parallel files never see each other's videos or queue.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export function requireTestPostgres(): string {
  const url = process.env.DATABASE_URL;
  if (!url || process.env.KADR_TEST_PG !== '1') {
    throw new Error('DATABASE_URL is not set: run through scripts/run-tests.ts, which starts PostgreSQL');
  }
  return url;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = requireTestPostgres();
  const name = `kadr_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
