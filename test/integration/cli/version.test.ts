/** `kadr --version` and `-V` print the version of package.json, the one npm installs. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../../..');
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };

for (const option of ['--version', '-V']) {
  test(`kadr ${option} prints the package version and exits 0`, () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/bin.ts'), option], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `kadr ${version}\n`);
    assert.equal(r.stderr, '');
  });
}
