/**
 * A clean install says nothing to worry about: `npm ci` on this project's package.json, lock file and
 * .npmrc, run by the npm of the Node the tests run on, prints no warning (no dependency that wants a
 * newer Node, no setting npm does not know). Dry run, offline: nothing is downloaded or installed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../../..');

test('npm ci prints no warning', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kadr-npm-ci-'));
  try {
    for (const file of ['package.json', 'package-lock.json', '.npmrc']) {
      copyFileSync(path.join(root, file), path.join(dir, file));
    }
    const out = execFileSync(
      'sh',
      ['-c', 'npm ci --dry-run --offline --ignore-scripts --no-update-notifier 2>&1'],
      { cwd: dir, encoding: 'utf8' },
    );
    assert.match(out, /added \d+ packages/);
    const warnings = out.split('\n').filter((l) => /^npm warn/i.test(l));
    assert.deepEqual(warnings, [], `npm ${execFileSync('npm', ['-v'], { encoding: 'utf8' }).trim()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
