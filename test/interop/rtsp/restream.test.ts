/**
 * A restream recorded by a real client is the original, picture for picture (issue 3): Debian's
 * `ffmpeg -rtsp_transport tcp -i rtsp://... -c copy out.mp4`, then every decoded picture of the
 * recording is compared with the source's (MD5 of the decoded frame, ffmpeg framemd5), and the picture
 * shown at many times t is the same in both.
 *
 * Known client behaviour, not the server's: ffmpeg 5.1 gets the first access unit of any RTSP H.264/H.265
 * stream without a pts (the same against gst-rtsp-server), so `-c copy out.mkv` fails with "Can't write
 * packet with unknown timestamp", and in MP4 it squeezes the first frames' timestamps to make them
 * monotonic. The check therefore times frames from the 6th on and allows up to 5 pictures lost at the
 * edges; every picture present must be bit-identical and in order.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { getFixture } from '../../fixtures/index.js';
import { pool, run, type RunningServer, startServer } from './harness.js';

const names = ['h264-mp4-ms', 'h264-mkv-offset', 'hevc-mkv-offset', 'mpeg4-mp4'];
// ffmpeg 5.1 rewrites the timestamps of the first (B-frame depth + 2) frames: up to 5 with 3 B-frames.
const SKIP_FIRST = 5;

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

/** Index of the frame shown at `t` ticks after frame `from`: the last one whose pts - pts[from] <= t. */
function frameAt(d: Decoded, from: number, t: bigint): number {
  let answer = from;
  for (let i = from; i < d.pts90.length; i++) if (d.pts90[i]! - d.pts90[from]! <= t) answer = i;
  return answer;
}

test('ffmpeg -c copy of a restream decodes to the original pictures at the original times', async () => {
  const problems = await pool(
    2,
    names.map((name) => async () => {
      const fixture = getFixture(name);
      const out = path.join(dir, `${name}.mp4`);
      const rec = await run('ffmpeg', [
        '-v',
        'error',
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
      const offset = src.md5.indexOf(got.md5[0]!);
      if (offset < 0) return `${name}: the first recorded picture is not in the source`;
      if (got.md5.length < src.md5.length - SKIP_FIRST)
        return `${name}: only ${got.md5.length}/${src.md5.length} pictures`;
      for (let i = 0; i < got.md5.length; i++) {
        if (got.md5[i] !== src.md5[offset + i])
          return `${name}: recorded picture ${i} differs from source ${offset + i}`;
      }
      // identical pictures at many times t (ms steps of 37 ms, skipping the client's repaired first frames)
      let checked = 0;
      const end = got.pts90[got.pts90.length - 1]! - got.pts90[SKIP_FIRST]!;
      for (let t = 0n; t <= end; t += 37n * 90n) {
        const r = frameAt(got, SKIP_FIRST, t);
        const s = frameAt(src, offset + SKIP_FIRST, t);
        if (got.md5[r] !== src.md5[s])
          return `${name}: at t=${Number(t) / 90} ms recording shows a different picture`;
        if (got.pts90[r]! - got.pts90[SKIP_FIRST]! !== src.pts90[s]! - src.pts90[offset + SKIP_FIRST]!) {
          return `${name}: at t=${Number(t) / 90} ms the frame times differ`;
        }
        checked++;
      }
      if (checked < 50) return `${name}: only ${checked} times compared`;
      return undefined;
    }),
  );
  const failures = problems.filter((p) => p !== undefined);
  assert.deepEqual(failures, [], failures.join('\n'));
});
