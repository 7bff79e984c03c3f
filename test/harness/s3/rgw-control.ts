/**
 * Stop and start the test S3 server's radosgw process alone (mon and OSD keep their data), for
 * fault tests: "the S3 server stopped for 30 s mid-recording". Works in any test process: the S3
 * test service passes KADR_TEST_S3_BASE and KADR_TEST_S3_RGW_PORT to it. Test files that use this
 * must not run concurrently with other S3 tests (the driver runs files one at a time by default).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'rgw-ctl.sh');

function where(env: NodeJS.ProcessEnv): { base: string; port: string } {
  const base = env.KADR_TEST_S3_BASE;
  const port = env.KADR_TEST_S3_RGW_PORT;
  if (!base || !port)
    throw new Error('KADR_TEST_S3_BASE / KADR_TEST_S3_RGW_PORT not set: run through scripts/run-tests.ts');
  return { base, port };
}

/** SIGTERM and wait until radosgw is gone (about 9 s: it drains gracefully). */
export async function stopRgw(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { base } = where(env);
  await run('bash', [script, 'stop', base]);
}

/** SIGKILL at once: the server crashes. */
export async function killRgw(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { base } = where(env);
  await run('bash', [script, 'kill', base]);
}

/** Start radosgw again on the same port and data; resolves when S3 answers. */
export async function startRgw(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { base, port } = where(env);
  await run('bash', [script, 'start', base, port]);
}
