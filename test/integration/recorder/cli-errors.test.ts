/** `kadr record` with bad input: one line on stderr, exit 2, no stack trace, no credentials echoed. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { collect, spawnKadr } from './helpers.js';
import { freePort } from './rtsp-source.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kadr-rec-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function fails(args: string[], pattern: RegExp): Promise<string> {
  const r = await collect(spawnKadr(['record', ...args]));
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0]!, pattern);
  return lines[0]!;
}

test('no source listening: a clear error at once, credentials not shown', async () => {
  const port = await freePort();
  const line = await fails(
    [`rtsp://admin:hunter2@127.0.0.1:${port}/cam`, '--to', tmp, '--spool', path.join(tmp, 'spool')],
    /cannot open rtsp:\/\/\*\*\*@127\.0\.0\.1:\d+\/cam/,
  );
  assert.ok(!line.includes('hunter2'));
});

test('usage errors name the option', async () => {
  await fails(['http://x/y', '--to', tmp], /not an rtsp:\/\/ URL/);
  await fails(['rtsp://127.0.0.1/x'], /--to .* is required/);
  await fails(['rtsp://127.0.0.1/x', '--to', tmp, '--segment', '0'], /--segment must be a positive number/);
  await fails(['rtsp://127.0.0.1/x', '--to', tmp, '--transport', 'sctp'], /--transport must be tcp or udp/);
});
