/**
 * A restream recorded by a real client is the original, picture for picture (docs/rtsp.md): Debian's
 * `ffmpeg -copyts -rtsp_transport tcp -i rtsp://... -c copy out.mp4`, then
 *  - kadr's own compare (src/timeline compareAt: the frame shown at t ms after each file's first
 *    frame, decoded and compared) says "identical" at many times t, with the same frame index;
 *  - every packet is recorded, and every decoded picture equals the source's, in order (framemd5).
 *
 * Known client behaviour, not the server's: ffmpeg 5.1 gets the first access unit of any RTSP
 * H.264/H.265 stream without a pts (the same against gst-rtsp-server). Without -copyts it then
 * shifts or squeezes the first frames' timestamps, and into Matroska it fails outright with B-frames
 * ("Can't write packet with unknown timestamp"); with -copyts into MP4 H.264 comes out exact. For H.265
 * the first picture does not decode and MPEG-4 gets made-up times for its first two frames, so those
 * two are checked picture by picture only.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { compareAt } from '../../../src/timeline/index.js';
import { getFixture } from '../../fixtures/index.js';
import { pool, run, type RunningServer, startServer } from './harness.js';

// `compare`: timed with kadr compare. ffmpeg 5.1 cannot time the first access unit it gets over RTSP,
// and for H.265 and MPEG-4 that shows in the recording (H.265: the first picture does not decode;
// MPEG-4: the first two frames get made-up times), so those two are checked picture by picture only.
const cases = [
  { name: 'h264-mp4-ms', compare: true },
  { name: 'h264-mkv-offset', compare: true },
  { name: 'hevc-mkv-offset', compare: false },
  { name: 'mpeg4-mp4', compare: false },
];
const names = cases.map((c) => c.name);

let server: RunningServer;
let dir: string;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kadr-restream-'));
  server = await startServer(names.map((n) => getFixture(n).path));
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Decoded {
  md5: string[];
  /** pts in 90 kHz ticks, presentation order */
  pts90: bigint[];
}

async function decode(file: string): Promise<Decoded> {
  const md5 = await run('ffmpeg', [
    '-v',
    'error',
    '-i',
    file,
    '-map',
    '0:v:0',
    '-fps_mode',
    'passthrough',
    '-f',
    'framemd5',
    '-',
  ]);
  const probe = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=time_base:frame=best_effort_timestamp',
    '-of',
    'csv=p=0',
    file,
  ]);
  assert.equal(md5.code, 0, md5.stderr);
  const lines = probe.stdout.split('\n').filter((l) => l.trim().length > 0);
  const tb = lines
    .find((l) => l.includes('/'))!
    .split('/')
    .map(Number) as [number, number];
  const pts90 = lines
    .filter((l) => !l.includes('/'))
    .map((l) => (BigInt(l.split(',')[0]!) * 90_000n * BigInt(tb[0])) / BigInt(tb[1]));
  return {
    md5: md5.stdout
      .split('\n')
      .filter((l) => l.length > 0 && !l.startsWith('#'))
      .map((l) => l.split(',')[5]!.trim()),
    pts90,
  };
}

test('ffmpeg -c copy of a restream: kadr compare finds identical pictures at many times', async () => {
  const problems = await pool(
    2,
    names.map((name) => async () => {
      const fixture = getFixture(name);
      const out = path.join(dir, `${name}.mp4`);
      const rec = await run('ffmpeg', [
        '-v',
        'error',
        '-copyts',
        '-rtsp_transport',
        'tcp',
        '-i',
        server.url(fixture.path),
        '-c',
        'copy',
        out,
      ]);
      if (rec.code !== 0) return `${name}: ffmpeg failed: ${rec.stderr.slice(0, 300)}`;
      const [src, got] = await Promise.all([decode(fixture.path), decode(out)]);
      if (src.md5.length !== fixture.frames.length)
        return `${name}: source decodes to ${src.md5.length} frames`;
      // Every packet is in the file. ffmpeg's MP4 edit list ends at the last packet's start (RTSP gives
      // it no duration), so a decoder may show one picture fewer; everything shown must be the source's.
      const packets = await run('ffprobe', [
        '-v',
        'error',
        '-count_packets',
        '-show_entries',
        'stream=nb_read_packets',
        '-of',
        'csv=p=0',
        out,
      ]);
      if (Number(packets.stdout.trim()) !== src.md5.length) {
        return `${name}: ${packets.stdout.trim()} packets recorded of ${src.md5.length}`;
      }
      const offset = src.md5.indexOf(got.md5[0]!);
      if (offset < 0 || offset > 1) return `${name}: the first recorded picture is source picture ${offset}`;
      if (got.md5.length < src.md5.length - 1 - offset) {
        return `${name}: ${got.md5.length}/${src.md5.length} pictures decoded`;
      }
      for (let i = 0; i < got.md5.length; i++) {
        if (got.md5[i] !== src.md5[offset + i])
          return `${name}: recorded picture ${i} differs from the source's`;
      }
      if (!cases.find((c) => c.name === name)!.compare) return undefined;
      if (offset !== 0) return `${name}: the first picture is missing`;
      // kadr compare at 40 times spread over the file, each between two frame times
      const durationMs = Number(src.pts90[src.pts90.length - 1]! - src.pts90[0]!) / 90;
      for (let k = 0; k < 40; k++) {
        const tMs = Math.floor(((k + 0.5) * durationMs) / 40);
        const r = await compareAt(fixture.path, out, tMs);
        if (!r.identical || r.original.index !== r.recording.index) {
          return `${name}: at ${tMs} ms original frame ${r.original.index}, recording frame ${r.recording.index}, identical ${r.identical}`;
        }
      }
      return undefined;
    }),
  );
  const failures = problems.filter((p) => p !== undefined);
  assert.deepEqual(failures, [], failures.join('\n'));
});
