/**
 * A real S3 server for the tests: single-node Ceph radosgw from Debian (MinIO is not packaged in
 * Debian; docs/storage.md). Started once per test run in a temp
 * folder, on free ports bound to 127.0.0.1, so parallel runs on one machine never collide.
 * memstore keeps the data in RAM: 1.2 s to start instead of ~4.5 s for bluestore, and the data
 * survives an rgw-only restart (the fault tests), which is all the tests need.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { StartedService, TestService } from './index.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const scripts = path.join(here, '..', 's3');

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `count` consecutive free ports below the kernel's ephemeral range (32768+), so that no client
 *  socket takes one between this check and the daemons binding it. */
async function freePortRange(count: number): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const first = 20000 + Math.floor(Math.random() * (12000 - count));
    let ok = true;
    for (let p = first; p < first + count && ok; p++) ok = await portFree(p);
    if (ok) return first;
  }
  throw new Error('no free port range for the test S3 server');
}

export const s3Service: TestService = {
  name: 's3 (ceph radosgw)',
  neededBy: (files) => files.some((f) => /storage|recorder|s3|api/.test(f)),
  async start(): Promise<StartedService> {
    const base = await mkdtemp(path.join(os.tmpdir(), 'kadr-s3-'));
    // rgw, mon, then the OSD's messenger ports (it binds 4 with msgr v1; room for restarts)
    const first = await freePortRange(24);
    const rgwPort = first;
    const env = {
      S3_ENDPOINT: `http://127.0.0.1:${rgwPort}`,
      S3_ACCESS_KEY: `kadr${randomBytes(6).toString('hex')}`,
      S3_SECRET_KEY: randomBytes(18).toString('hex'),
      S3_REGION: 'us-east-1',
      // so that objectStoreFromEnv(process.env) works in any test; tests that need isolation
      // pick their own bucket (the store creates it on first put)
      S3_BUCKET: 'kadr-test',
      KADR_TEST_S3: '1',
      KADR_TEST_S3_BASE: base,
      KADR_TEST_S3_RGW_PORT: String(rgwPort),
    };
    const stop = async () => {
      // the data is thrown away: no need to wait ~5 s for a graceful shutdown
      await run('bash', [path.join(scripts, 'stop-ceph-rgw.sh'), base, 'kill']).catch(() => {});
      await rm(base, { recursive: true, force: true });
    };
    try {
      await run('bash', [path.join(scripts, 'start-ceph-rgw.sh')], {
        env: {
          ...process.env,
          CEPH_BASE: base,
          CEPH_OBJECTSTORE: process.env.KADR_TEST_S3_STORE ?? 'memstore',
          RGW_PORT: String(rgwPort),
          CEPH_MON_PORT: String(first + 1),
          CEPH_OSD_PORT_MIN: String(first + 2),
          CEPH_OSD_PORT_MAX: String(first + 23),
          S3_ACCESS_KEY: env.S3_ACCESS_KEY,
          S3_SECRET_KEY: env.S3_SECRET_KEY,
        },
        timeout: 120_000,
      });
    } catch (e) {
      await stop();
      const err = e as { stderr?: string; message: string };
      throw new Error(`test S3 server did not start: ${(err.stderr ?? '').trim() || err.message}`);
    }
    // If this process dies without calling stop (Ctrl-C, kill -9 of the test driver), a watchdog
    // stops the daemons and removes the folder, so no Ceph is left running on a shared machine.
    const watchdog = spawn(
      'bash',
      [
        '-c',
        'while kill -0 "$0" 2>/dev/null; do sleep 2; done; bash "$1" "$2" kill; rm -rf "$2"',
        String(process.pid),
        path.join(scripts, 'stop-ceph-rgw.sh'),
        base,
      ],
      { detached: true, stdio: 'ignore' },
    );
    watchdog.unref();
    return {
      env,
      stop: async () => {
        if (watchdog.pid) process.kill(watchdog.pid);
        await stop();
      },
    };
  },
};
