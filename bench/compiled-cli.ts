/**
 * The compiled CLI (`bin/kadr.js` → `dist/`) is what users run, so benches measure it. dist/ is made
 * by `npm ci` (the prepare script) and goes stale as soon as a source changes: a bench that ran it
 * then would measure old code. This rebuilds it first when any file under src/ is newer.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
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

/** Path of bin/kadr.js after making sure dist/ matches src/. */
export function compiledCli(): string {
  const built = path.join(root, 'dist', 'cli', 'bin.js');
  if (!existsSync(built) || statSync(built).mtimeMs < newestMtimeMs(path.join(root, 'src'))) {
    process.stderr.write('dist/ is missing or older than src/: npm run build...\n');
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  }
  return path.join(root, 'bin', 'kadr.js');
}
