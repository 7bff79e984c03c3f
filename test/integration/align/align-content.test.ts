/**
 * `kadr align` by content, with known truth: three "cameras" cut by ffmpeg (a peer) out of one real
 * clip (test/fixtures/footage, CC BY 4.0), starting at known moments of it, at different frame
 * rates: the clip as it is (12.5 fps), a variable-rate one (every third frame dropped, ms time base)
 * and one re-timed to 10 fps (90 kHz). Every offset must lie within one frame interval of the truth;
 * the trimmed copies must show first (pts 0, ffprobe) the picture of the clip at the common instant.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../../..');
/** Real footage kept in the repository (test/fixtures/footage/README.md: source and licence). */
const clip = path.join(root, 'test', 'fixtures', 'footage', 'car-detection.mp4');
const work = mkdtempSync(path.join(tmpdir(), 'kadr-align-content-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Where each camera starts in the clip (s), and how it is made. */
const cameras = [
  { name: 'a', startS: 2.0, args: ['-t', '20', '-c:v', 'libx264', '-g', '60', '-bf', '2'] },
  {
    name: 'b',
    startS: 5.52,
    args: [
      '-t',
      '18',
      '-vf',
      "select='not(eq(mod(n\\,3)\\,2))',setpts=PTS-STARTPTS,scale=384:216",
      '-fps_mode',
      'vfr',
      '-c:v',
      'libx264',
      '-g',
      '37',
      '-bf',
      '0',
      '-video_track_timescale',
      '1000',
    ],
  },
  {
    name: 'c',
    startS: 6.0,
    args: [
      '-t',
      '16',
      '-vf',
      'fps=10,scale=384:216',
      '-c:v',
      'libx264',
      '-g',
      '25',
      '-bf',
      '1',
      '-video_track_timescale',
      '90000',
    ],
  },
];
const files = cameras.map((c) => path.join(work, `${c.name}.mp4`));

interface AlignJson {
  common: { method: string; latestStart: string };
  offsets: { file: string; offsetMs: number; errorMs: number; method: string; frameIntervalMs: number }[];
  outputs: { copies: { file: string; out: string; firstFrameIndex: number }[]; mosaic: string };
}
let result: AlignJson;

before(() => {
  cameras.forEach((c, i) =>
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-ss',
      String(c.startS),
      '-i',
      clip,
      '-an',
      '-preset',
      'veryfast',
      ...c.args,
      files[i]!,
    ]),
  );
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(root, 'src/cli/bin.ts'),
      'align',
      ...files,
      '--out-dir',
      path.join(work, 'out'),
      '--json',
    ],
    { encoding: 'utf8', env: { ...process.env, KADR_CACHE_DIR: path.join(work, 'cache') } },
  );
  assert.equal(r.status, 0, r.stderr);
  result = JSON.parse(r.stdout) as AlignJson;
});

/** A frame as 96x54 grey samples, decoded by ffmpeg: the first shown of `file`, or the one at `atS`. */
function grey(file: string, atS?: number): Buffer {
  return execFileSync('ffmpeg', [
    '-v',
    'error',
    ...(atS === undefined ? [] : ['-ss', atS.toFixed(3)]),
    '-i',
    file,
    '-frames:v',
    '1',
    '-vf',
    'scale=96:54,format=gray',
    '-f',
    'rawvideo',
    '-',
  ]);
}

function meanAbsDiff(a: Buffer, b: Buffer): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

test('content: every offset within one frame interval of the truth', () => {
  const common = Math.max(...cameras.map((c) => c.startS)) * 1000;
  assert.equal(result.common.method, 'content');
  assert.equal(result.common.latestStart, files[2]);
  result.offsets.forEach((o, i) => {
    const truth = common - cameras[i]!.startS * 1000;
    assert.equal(o.file, files[i]);
    assert.equal(o.method, 'content');
    assert.ok(Number.isFinite(o.errorMs) && o.errorMs >= 0, `error ${o.errorMs}`);
    const off = Math.abs(o.offsetMs - truth);
    console.log(
      `${cameras[i]!.name}: offset ${o.offsetMs} ms ± ${o.errorMs}, truth ${truth}, off by ${off.toFixed(3)} ms, frame interval ${o.frameIntervalMs}`,
    );
    assert.ok(off <= o.frameIntervalMs, `${cameras[i]!.name}: ${o.offsetMs} vs ${truth} ms`);
  });
});

test('trimmed copies: first shown frame has pts 0 and is the clip at the common instant', () => {
  const commonS = Math.max(...cameras.map((c) => c.startS));
  const truth = grey(clip, commonS);
  // Neighbours two source frames (160 ms) away, to show how far a wrong frame would be.
  const wrong = Math.min(
    meanAbsDiff(truth, grey(clip, commonS - 0.16)),
    meanAbsDiff(truth, grey(clip, commonS + 0.16)),
  );
  assert.ok(existsSync(result.outputs.mosaic), 'the mosaic is written');
  for (const copy of result.outputs.copies) {
    const frames = JSON.parse(
      execFileSync(
        'ffprobe',
        ['-v', 'error', '-show_frames', '-select_streams', 'v:0', '-of', 'json', copy.out],
        { encoding: 'utf8' },
      ),
    ) as { frames: { best_effort_timestamp_time?: string; pts_time?: string }[] };
    const firstTime = Number(frames.frames[0]!.best_effort_timestamp_time ?? frames.frames[0]!.pts_time);
    assert.equal(firstTime, 0, `${copy.out}: the first shown frame is at 0`);
    const d = meanAbsDiff(grey(copy.out), truth);
    console.log(
      `${path.basename(copy.out)}: first frame ${copy.firstFrameIndex}, differs from the truth by ${d.toFixed(2)} (a frame 160 ms off: ${wrong.toFixed(2)})`,
    );
    assert.ok(d < wrong / 2, `${copy.out}: first frame differs from the clip at the common instant by ${d}`);
  }
});

test('refusals: one video, a wallclock asked of files without one, a mosaic past the overlap', () => {
  const kadr = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/bin.ts'), 'align', ...args], {
      encoding: 'utf8',
      env: { ...process.env, KADR_CACHE_DIR: path.join(work, 'cache') },
    });
  const one = kadr(files[0]!);
  assert.equal(one.status, 2);
  assert.match(one.stderr, /at least two videos/);
  const wall = kadr(files[0]!, files[1]!, '--method', 'wallclock');
  assert.equal(wall.status, 2);
  assert.match(wall.stderr, /no source wallclock in .*a\.mp4, .*b\.mp4/);
  const late = kadr(files[0]!, files[1]!, '--out-dir', path.join(work, 'late'), '--mosaic-at', '60000');
  assert.equal(late.status, 2);
  assert.match(late.stderr, /--mosaic-at 60000 ms is past the end of the overlap/);
  assert.ok(!existsSync(path.join(work, 'late')), 'nothing written');
});
