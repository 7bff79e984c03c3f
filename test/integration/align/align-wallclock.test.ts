/**
 * `kadr align` by wallclock, with known truth: three live sources on this machine's clock, each serving
 * the same numbered video (every frame carries its number, src/media/test-pattern.ts) from its start
 * when a client connects: two gst-rtsp-server mounts (a peer nobody here wrote, sending RTCP sender
 * reports; one with its RTP clock wrapping 4 s in) and `kadr rtsp-serve`. `kadr record` records each,
 * started a second apart. The truth does not come from the sender reports: a frame numbered n of a
 * source that started the video at W0 is due at W0 + n * 40 ms, and a real-time source sends it then,
 * so W0 is the smallest (receive time - n * 40 ms) over the recording; the common instant then lies in
 * each recording at a known time. Every offset must be within one frame interval of it, and the trimmed
 * copies' first frames (pts 0 per ffprobe) must carry the numbers due at the common instant.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { record, type RecordJson } from '../recorder/helpers.js';
import { startKadrRtspServe, startRtspSource, type RtspSource } from '../recorder/rtsp-source.js';
import { FRAME_MS, numberedVideo, numbers, sourceStart } from './truth.js';

const root = path.resolve(import.meta.dirname, '../../..');
const work = mkdtempSync(path.join(tmpdir(), 'kadr-align-wall-'));
const sources: RtspSource[] = [];
let recordings: RecordJson[] = [];

interface AlignJson {
  common: { method: string; wallclockMs: number };
  offsets: { file: string; offsetMs: number; errorMs: number; method: string; frameIntervalMs: number }[];
  outputs: { copies: { file: string; out: string }[]; mosaic: string };
}
let result: AlignJson;

before(async () => {
  const video = numberedVideo(path.join(work, 'numbered.mp4'), 14);
  const gst = await startRtspSource({ g1: `${video},ts-offset=4294600000`, g2: `${video},ts-offset=1234` });
  sources.push(gst);
  const kadrServe = await startKadrRtspServe([video]);
  sources.push(kadrServe);
  const urls = [gst.url('g1'), gst.url('g2'), kadrServe.url('numbered')];
  recordings = await Promise.all(
    urls.map(async (url, i) => {
      await new Promise((r) => setTimeout(r, i * 1000));
      return record([url, '--to', path.join(work, `rec${i}`), '--duration', '8']);
    }),
  );
  const segments = recordings.map((r) => r.segments[0]!.key);
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(root, 'src/cli/bin.ts'),
      'align',
      ...segments,
      '--out-dir',
      path.join(work, 'out'),
      '--json',
    ],
    { encoding: 'utf8', env: { ...process.env, KADR_CACHE_DIR: path.join(work, 'cache') } },
  );
  assert.equal(r.status, 0, r.stderr);
  result = JSON.parse(r.stdout) as AlignJson;
});
after(async () => {
  for (const s of sources) await s.stop();
  rmSync(work, { recursive: true, force: true });
});

test('wallclock: every offset within one frame interval of the truth', async () => {
  assert.equal(result.common.method, 'wallclock');
  const common = result.common.wallclockMs;
  for (const [i, o] of result.offsets.entries()) {
    const segment = recordings[i]!.segments[0]!.key;
    assert.equal(o.file, segment);
    assert.equal(o.method, 'wallclock');
    const { w0, spread, first } = await sourceStart(segment);
    // The recording's first frame was shown at w0 + first * 40 ms; the common instant that much later.
    const truth = common - (w0 + first * FRAME_MS);
    const off = Math.abs(o.offsetMs - truth);
    console.log(
      `rec${i}: offset ${o.offsetMs} ms ± ${o.errorMs}, truth ${truth.toFixed(3)} (receive-time spread ${spread.toFixed(3)}), off by ${off.toFixed(3)} ms`,
    );
    assert.ok(off <= o.frameIntervalMs, `rec${i}: ${o.offsetMs} vs ${truth} ms`);
  }
});

test('trimmed copies: first shown frame at pts 0 carries the number due at the common instant', async () => {
  const common = result.common.wallclockMs;
  for (const [i, copy] of result.outputs.copies.entries()) {
    const { w0 } = await sourceStart(recordings[i]!.segments[0]!.key);
    const probed = JSON.parse(
      execFileSync(
        'ffprobe',
        ['-v', 'error', '-show_frames', '-select_streams', 'v:0', '-of', 'json', copy.out],
        { encoding: 'utf8' },
      ),
    ) as { frames: { best_effort_timestamp_time?: string; pts_time?: string }[] };
    const f0 = probed.frames[0]!;
    assert.equal(Number(f0.best_effort_timestamp_time ?? f0.pts_time), 0, `${copy.out}: first shown at 0`);
    const shown = (await numbers(copy.out))[0]!;
    const due = (common - w0) / FRAME_MS;
    console.log(`rec${i} copy: first frame shows ${shown}, due at the common instant: ${due.toFixed(2)}`);
    assert.ok(Math.abs(shown - due) <= 1, `rec${i}: frame ${shown} where ${due.toFixed(2)} was due`);
  }
});
