/**
 * The compiled CLI (`bin/kadr.js` → `dist/`) is what users run, so benches measure it. dist/ is made
 * by `npm ci` (the prepare script) and goes stale as soon as a source changes: a bench that ran it
 * then would measure old code. This rebuilds it first when any file under src/ is newer.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtimeMs(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The node flags bin/kadr.js's first line runs it with (`npx kadr`, and `npm start`, the Dockerfile):
 * a bench that starts kadr with process.execPath passes them too, to measure what users run.
 */
export function kadrNodeFlags(): string[] {
  const first = readFileSync(path.join(root, 'bin', 'kadr.js'), 'utf8').split('\n')[0]!;
  const m = /^#!\/usr\/bin\/env -S node(.*)$/.exec(first);
  return m ? m[1]!.trim().split(/\s+/).filter(Boolean) : [];
}

/** Path of bin/kadr.js after making sure dist/ matches src/. */
export function compiledCli(): string {
  const built = path.join(root, 'dist', 'cli', 'bin.js');
  if (!existsSync(built) || statSync(built).mtimeMs < newestMtimeMs(path.join(root, 'src'))) {
    process.stderr.write('dist/ is missing or older than src/: npm run build...\n');
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  }
  return path.join(root, 'bin', 'kadr.js');
}
