/**
 * `kadr record` on a terminal shows a status line (time, segments, frames, video stored) that grows as
 * segments are stored; through a pipe nothing is redrawn and --json is the same document as before.
 * The terminal is a real pseudo-terminal made by util-linux `script`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { getFixture } from '../../fixtures/index.js';
import { collect, spawnKadr } from '../recorder/helpers.js';
import { type RtspSource, startKadrRtspServe } from '../recorder/rtsp-source.js';

const root = path.resolve(import.meta.dirname, '../../..');
const work = mkdtempSync(path.join(tmpdir(), 'kadr-record-progress-'));
const fixture = getFixture('h264-mp4-ms'); // 5.8 s, a keyframe every 2 s
let source: RtspSource;
before(async () => {
  source = await startKadrRtspServe([fixture.path]);
});
after(async () => {
  await source.stop();
  rmSync(work, { recursive: true, force: true });
});

const url = () => source.url(path.basename(fixture.path, path.extname(fixture.path)));
const args = (name: string) => [
  'record',
  url(),
  '--to',
  path.join(work, name),
  '--spool',
  path.join(work, `${name}-spool`),
  '--segment',
  '1',
  '--duration',
  '4',
];

test('on a terminal: a status line redrawn in place, with the segments and frames stored so far', async () => {
  const command = [process.execPath, '--import', 'tsx', path.join(root, 'src/cli/bin.ts'), ...args('tty')]
    .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
    .join(' ');
  const { stdout } = await promisify(execFile)('script', ['-qefc', command, '/dev/null'], {
    cwd: root,
    timeout: 60_000,
  });
  const redraws = stdout.split('\r\x1b[K').filter((s) => s.startsWith('recording '));
  assert.ok(redraws.length >= 3, stdout);
  assert.match(redraws[0]!, /^recording 0:00: 0 segment\(s\), 0 frames, 0:00 of video stored/);
  const last = /recording 0:0\d: (\d+) segment\(s\), (\d+) frames/.exec(redraws.at(-1)!)!;
  assert.ok(Number(last[1]) >= 1 && Number(last[2]) >= 1, redraws.at(-1));
  const summary = /(\d+) segment\(s\), (\d+) frames\r?\n/.exec(stdout)!;
  assert.ok(Number(summary[2]) >= Number(last[2]), stdout);
  // The status line is wiped before the results, so they start at the line's beginning.
  const wiped = stdout.split('\r\x1b[K').at(-1)!;
  assert.match(wiped, /^\S+\.mp4 {2}\d+ frames {2}first pts/);
});

test('through a pipe: no status line, and --json prints the same document', async () => {
  const r = await collect(spawnKadr([...args('pipe'), '--json']));
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /recording|\r/);
  const json = JSON.parse(r.stdout) as Record<string, unknown> & { segments: { frames: number }[] };
  assert.deepEqual(Object.keys(json), ['source', 'to', 'connections', 'segments', 'pending']);
  assert.ok(json.segments.length >= 1 && json.segments[0]!.frames > 0);
});
