/**
 * Test driver: starts the services in test/harness/services (real PostgreSQL, a real S3 server, ...)
 * once, passes their addresses to the test files through the environment, runs every test file with
 * node's test runner, then stops the services, whatever happened.
 *
 * usage: node --import tsx scripts/run-tests.ts [substring filter ...]
 */
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { services } from '../test/harness/services/index.js';

async function findTests(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') out.push(...(await findTests(p)));
    } else if (entry.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = [...(await findTests('src')), ...(await findTests('test'))]
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

// Every `kadr serve` a test starts also serves cameras over RTSP: on a free port unless a test says
// which, so that servers started one after another (or at once) never fight over 8554.
const env: NodeJS.ProcessEnv = { KADR_RTSP_PORT: '0', ...process.env };
const running: { name: string; stop: () => Promise<void> }[] = [];
let code = 1;
try {
  for (const service of services) {
    if (!service.neededBy(files)) continue;
    const t0 = performance.now();
    const started = await service.start();
    Object.assign(env, started.env);
    running.push({ name: service.name, stop: started.stop });
    console.error(`test service ${service.name} up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        `--test-concurrency=${env.KADR_TEST_CONCURRENCY ?? '1'}`,
        '--test-reporter=tap',
        '--test-reporter-destination=stdout',
        `--test-reporter=${path.join(import.meta.dirname, 'file-times-reporter.mjs')}`,
        '--test-reporter-destination=stderr',
        ...files,
      ],
      { stdio: 'inherit', env },
    );
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
} finally {
  for (const s of running.reverse()) {
    await s.stop().catch((e: unknown) => console.error(`stopping ${s.name}: ${String(e)}`));
  }
}
process.exit(code);
