/**
 * The timeline commands as a user runs them: a real `kadr` process, real files, images read back by
 * Debian's ffmpeg (not by kadr), answers compared with ffprobe -show_frames.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ceilDiv } from '../../../src/core/rational.js';
import { readPatternNumber } from '../../../src/media/index.js';
import { truthIndexAt } from '../../fixtures/ffprobe.js';
import { type Fixture, getFixture } from '../../fixtures/index.js';

const root = path.resolve(import.meta.dirname, '../../..');
const work = mkdtempSync(path.join(tmpdir(), 'kadr-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

function kadr(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/bin.ts'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, KADR_CACHE_DIR: path.join(work, 'cache') },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function kadrJson(...args: string[]): Record<string, unknown> {
  const r = kadr(...args, '--json');
  assert.equal(r.code, 0, `kadr ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** The frame number in an image, read through ffmpeg (gray samples), not through kadr. */
function numberInImage(file: string): number {
  const probe = JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'json', file], {
      encoding: 'utf8',
    }),
  ) as { streams: { width: number; height: number }[] };
  const { width, height } = probe.streams[0]!;
  const gray = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
    {
      maxBuffer: 64 << 20,
    },
  );
  return readPatternNumber(gray, width, width, height);
}

/**
 * The bar under the two frames of a compare picture (where the verdict is written), as gray samples
 * read by ffmpeg: the image is one caption bar, the frame, and a bar of the same height under it.
 */
function verdictBar(file: string, frameHeight: number): Buffer {
  const [width, height] = execFileSync(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file],
    { encoding: 'utf8' },
  )
    .trim()
    .split(',')
    .map(Number) as [number, number];
  const bar = (height - frameHeight) / 2;
  assert.ok(Number.isInteger(bar) && bar > 0, `${height} px high for ${frameHeight} px frames: no bar`);
  const gray = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
    {
      maxBuffer: 64 << 20,
    },
  );
  const strip = gray.subarray((height - bar) * width);
  const dark = strip.filter((v) => v < 24).length;
  const bright = strip.filter((v) => v > 200).length;
  assert.ok(dark > strip.length * 0.7 && bright > 20, `not text on black: ${dark} dark, ${bright} bright`);
  return strip;
}

function boundaryMs(f: Fixture, i: number): number {
  const d = (f.frames[i]!.pts - f.frames[0]!.pts) * BigInt(f.timeBase.num) * 1000n;
  return Number(ceilDiv(d, BigInt(f.timeBase.den)));
}

describe('kadr frame', () => {
  for (const name of ['h264-mp4-90k-longgop', 'hevc-mkv-offset', 'vp9-mkv']) {
    test(`${name}: the image and JSON are the frame ffprobe shows at t`, () => {
      const f = getFixture(name);
      const mid = Math.floor(f.frames.length / 2);
      const times = [0, boundaryMs(f, mid) - 1, boundaryMs(f, mid), boundaryMs(f, f.frames.length - 1)];
      for (const t of times) {
        const out = path.join(work, `${name}-${t}.png`);
        const json = kadrJson('frame', f.path, '--at', String(t), '--out', out);
        const want = truthIndexAt(f, t);
        assert.equal(json.index, want, `t=${t}`);
        assert.equal(json.ptsTicks, String(f.frames[want]!.pts));
        const ptsMs = (Number(f.frames[want]!.pts) * f.timeBase.num * 1000) / f.timeBase.den;
        assert.ok(Math.abs((json.ptsMs as number) - ptsMs) < 1e-6);
        assert.ok((json.packetsDecoded as number) >= 1);
        assert.ok(
          (json.framesDecoded as number) >= 1 &&
            (json.framesDecoded as number) <= (json.packetsDecoded as number),
        );
        assert.equal(numberInImage(out), want, `t=${t}: picture`);
      }
    });
  }

  test('the index is built once and reused from the disk cache by the next run', () => {
    const f = getFixture('mpeg4-mp4');
    const first = kadrJson('frame', f.path, '--at', '100', '--out', path.join(work, 'c1.png'));
    const second = kadrJson('frame', f.path, '--at', '900', '--out', path.join(work, 'c2.png'));
    assert.equal(first.indexSource, 'built');
    assert.equal(second.indexSource, 'disk');
    assert.equal(second.index, truthIndexAt(f, 900));
  });

  test('JPEG output is a picture of the right frame too', () => {
    const f = getFixture('h264-mp4-ms');
    const out = path.join(work, 'frame.jpg');
    const json = kadrJson('frame', f.path, '--at', '1000', '--out', out);
    assert.equal(numberInImage(out), json.index);
  });
});

describe('kadr same-moment', () => {
  test('skipped counts match ffprobe for two different VFR patterns, snapshots written', () => {
    const a = getFixture('h264-mp4-ms');
    const b = getFixture('h264-mp4-90k-longgop');
    for (const t of [0, 777, 1500, boundaryMs(b, 40)]) {
      const dir = path.join(work, `moment-${t}`);
      const r = kadrJson('same-moment', a.path, b.path, '--at', String(t), '--out-dir', dir) as {
        a: { skipped: number; ptsTicks: string; snapshot: string };
        b: { skipped: number; ptsTicks: string; snapshot: string };
        sideBySide: string;
        log: string;
      };
      assert.equal(r.a.skipped, truthIndexAt(a, t));
      assert.equal(r.b.skipped, truthIndexAt(b, t));
      assert.equal(r.a.ptsTicks, String(a.frames[r.a.skipped]!.pts));
      assert.equal(r.b.ptsTicks, String(b.frames[r.b.skipped]!.pts));
      assert.equal(numberInImage(r.a.snapshot), r.a.skipped);
      assert.equal(numberInImage(r.b.snapshot), r.b.skipped);
      assert.ok(existsSync(r.sideBySide));
      const log = readFileSync(r.log, 'utf8');
      assert.match(log, new RegExp(`skipped ${r.a.skipped} frames to reach ${t} ms`));
      assert.match(log, new RegExp(`skipped ${r.b.skipped} frames to reach ${t} ms`));
    }
  });

  test('the plain output is the log lines', () => {
    const a = getFixture('h264-mp4-ms');
    const b = getFixture('mpeg4-mp4');
    const r = kadr('same-moment', a.path, b.path, '--at', '1234', '--out-dir', path.join(work, 'plain'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`a: .*skipped ${truthIndexAt(a, 1234)} frames to reach 1234 ms`));
    assert.match(r.stdout, new RegExp(`b: .*skipped ${truthIndexAt(b, 1234)} frames to reach 1234 ms`));
  });
});

describe('kadr compare', () => {
  const f = getFixture('h264-mp4-ms');
  test('a remux made by ffmpeg (-c copy) is identical at every tested time', () => {
    const copy = path.join(work, 'copy.mkv');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', f.path, '-c', 'copy', copy]);
    for (const t of [0, 500, 1999, boundaryMs(f, 100)]) {
      const r = kadrJson(
        'compare',
        f.path,
        copy,
        '--at',
        String(t),
        '--out',
        path.join(work, `cmp-${t}.png`),
      ) as {
        original: { index: number };
        recording: { index: number };
        identical: boolean;
        psnr: number | null;
      };
      assert.equal(r.original.index, truthIndexAt(f, t));
      assert.equal(r.recording.index, r.original.index);
      assert.equal(r.identical, true);
      assert.equal(r.psnr, null);
    }
  });

  test('a re-encode is not identical and its PSNR says how close it is', () => {
    const lossy = path.join(work, 'lossy.mp4');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-i',
      f.path,
      '-c:v',
      'libx264',
      '-crf',
      '35',
      '-fps_mode',
      'passthrough',
      '-enc_time_base',
      '1:1000',
      lossy,
    ]);
    const out = path.join(work, 'cmp-lossy.png');
    const r = kadrJson('compare', f.path, lossy, '--at', '1000', '--out', out) as {
      identical: boolean;
      psnr: number;
    };
    assert.equal(r.identical, false);
    assert.ok(r.psnr > 20 && r.psnr < 60, `psnr ${r.psnr}`);
    const size = execFileSync(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', out],
      { encoding: 'utf8' },
    );
    assert.equal(size.trim().split(',')[0], String(2 * f.width));
  });

  test('the picture shows the verdict under the frames: the same words for identical pairs, others for a re-encode', () => {
    const copy = path.join(work, 'copy-verdict.mkv');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', f.path, '-c', 'copy', copy]);
    const lossy = path.join(work, 'lossy-verdict.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', f.path, '-c:v', 'libx264', '-crf', '35', lossy]);
    const image = (recording: string, t: number) => {
      const out = path.join(work, `verdict-${path.basename(recording)}-${t}.png`);
      kadrJson('compare', f.path, recording, '--at', String(t), '--out', out);
      return verdictBar(out, f.height);
    };
    const same1 = image(copy, 500);
    const same2 = image(copy, 1500);
    const differs = image(lossy, 500);
    assert.ok(same1.equals(same2), 'two identical pairs should carry the same verdict');
    assert.ok(!same1.equals(differs), 'a re-encode should carry another verdict');
  });
});

describe('kadr probe and index', () => {
  test('probe reports frames, first PTS and variable frame rate as ffprobe sees them', () => {
    const f = getFixture('h264-mkv-offset');
    const p = kadrJson('probe', f.path) as {
      frames: number;
      firstPts: string;
      variableFrameRate: boolean;
      codec: string;
    };
    assert.equal(p.frames, f.frames.length);
    assert.equal(p.firstPts, String(f.frames[0]!.pts));
    assert.equal(p.variableFrameRate, true);
    assert.equal(p.codec, 'h264');
  });

  test('index --csv has one row per frame with ffprobe PTS', () => {
    const f = getFixture('hevc-mkv-offset');
    const r = kadr('index', f.path, '--csv');
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').slice(1);
    assert.deepEqual(
      rows.map((l) => l.split(',')[1]),
      f.frames.map((x) => String(x.pts)),
    );
  });
});

describe('kadr index without --csv or --json', () => {
  test('prints a summary that agrees with ffprobe, not one line per frame', () => {
    const f = getFixture('hevc-mkv-offset');
    const r = kadr('index', f.path);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.ok(lines.length < 25, `${lines.length} lines`);
    const field = (name: string) => lines.map((l) => l.trim()).find((l) => l.startsWith(name)) ?? '';
    assert.match(lines[0]!, new RegExp(`: ${f.frames.length} frames$`));
    assert.match(field('codec'), new RegExp(`hevc ${f.width}x${f.height}`));
    assert.match(field('time base'), new RegExp(`${f.timeBase.num}/${f.timeBase.den}`));
    assert.match(field('first PTS'), new RegExp(`^first PTS\\s+${f.frames[0]!.pts} `));
    const keys = f.frames.filter((x) => x.key).length;
    assert.match(field('keyframes'), new RegExp(`^keyframes\\s+${keys}, every `));
    assert.match(field('frame rate'), /variable \(VFR\)/);
    assert.match(field('decode order'), /B-frames/);
  });
});

describe('bad input gets one line and a non-zero exit', () => {
  const f = getFixture('h264-mp4-ms');
  const cases: [string, string[], RegExp][] = [
    ['missing file', ['frame', path.join(work, 'nope.mp4'), '--at', '0', '--out', 'x.png'], /no such file/],
    ['negative time', ['frame', f.path, '--at', '-5', '--out', 'x.png'], /negative/],
    ['past the end', ['frame', f.path, '--at', '999999', '--out', 'x.png'], /past the end/],
    ['not a number', ['frame', f.path, '--at', 'soon', '--out', 'x.png'], /not a time/],
    ['unknown image type', ['frame', f.path, '--at', '0', '--out', 'x.gif'], /\.png or \.jpg/],
    ['missing --at', ['frame', f.path, '--out', 'x.png'], /need a video/],
  ];
  for (const [what, args, message] of cases) {
    test(what, () => {
      const r = kadr(...args);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });
  }

  test('not a video, and a file without a video stream', () => {
    const text = path.join(work, 'notes.mp4');
    execFileSync('sh', ['-c', `echo "not a video" > ${text}`]);
    const audio = path.join(work, 'audio.m4a');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=d=1', audio]);
    const r1 = kadr('frame', text, '--at', '0', '--out', 'x.png');
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /not a video/);
    const r2 = kadr('probe', audio);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /no video stream/);
    assert.equal(r2.stderr.trim().split('\n').length, 1);
  });
});

describe('kadr demo', () => {
  test('makes two VFR videos, runs same-moment and compare, and says where the results are', () => {
    const dir = path.join(work, 'demo');
    const r = kadrJson('demo', '--out-dir', dir) as {
      probe: {
        a: { variableFrameRate: boolean; fps: { avg: number } };
        b: { variableFrameRate: boolean; fps: { avg: number } };
      };
      sameMoment: { sideBySide: string; log: string; a: { snapshot: string; skipped: number } };
      compare: { identical: boolean; image: string };
    };
    assert.equal(r.probe.a.variableFrameRate, true);
    assert.equal(r.probe.b.variableFrameRate, true);
    assert.notEqual(Math.round(r.probe.a.fps.avg), Math.round(r.probe.b.fps.avg));
    for (const file of [
      r.sameMoment.sideBySide,
      r.sameMoment.log,
      r.sameMoment.a.snapshot,
      r.compare.image,
    ]) {
      assert.ok(existsSync(file), file);
    }
    assert.equal(numberInImage(r.sameMoment.a.snapshot), r.sameMoment.a.skipped);
    assert.equal(r.compare.identical, true);
  });
});
