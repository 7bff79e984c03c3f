/**
 * Interop matrix (docs/rtsp.md): kadr's RTSP server against clients nobody here wrote, over TCP interleaved
 * and UDP, for every fixture codec. For each VFR fixture the client must see every frame, and each
 * frame's PTS minus the first must equal the source's (ffprobe ground truth) within one 90 kHz tick.
 * H.264 and H.265 pass through, MPEG-4 Part 2 passes through, VP9 is transcoded to H.264.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Fixture, getFixture } from '../../fixtures/index.js';
import { checkFrames, ffprobeRtsp, gstreamerRtsp, pool, type RunningServer, startServer } from './harness.js';

const cases: { fixture: string; gstCodec: 'h264' | 'h265' | 'mpeg4' }[] = [
  { fixture: 'h264-mp4-ms', gstCodec: 'h264' },
  { fixture: 'h264-mp4-90k-longgop', gstCodec: 'h264' },
  { fixture: 'h264-mkv-offset', gstCodec: 'h264' },
  { fixture: 'hevc-mkv-offset', gstCodec: 'h265' },
  { fixture: 'mpeg4-mp4', gstCodec: 'mpeg4' },
  { fixture: 'vp9-mkv', gstCodec: 'h264' },
];

let server: RunningServer;
const fixtures = new Map<string, Fixture>();

before(async () => {
  for (const c of cases) fixtures.set(c.fixture, getFixture(c.fixture));
  server = await startServer([...fixtures.values()].map((f) => f.path));
});
after(() => server.close());

test('ffprobe and GStreamer rtspsrc over TCP and UDP: every frame, exact VFR timestamps', async () => {
  const jobs = cases.flatMap(({ fixture, gstCodec }) =>
    (['tcp', 'udp'] as const).flatMap((transport) => [
      async () => {
        const f = fixtures.get(fixture)!;
        const got = await ffprobeRtsp(server.url(f.path), transport);
        return { label: `ffprobe ${transport} ${fixture}`, problem: checkFrames(f, got) };
      },
      async () => {
        const f = fixtures.get(fixture)!;
        const got = await gstreamerRtsp(server.url(f.path), transport, gstCodec);
        const problem = checkFrames(f, got.pts) ?? (got.eos ? undefined : `no EOS after BYE: ${got.output}`);
        return { label: `gstreamer ${transport} ${fixture}`, problem };
      },
    ]),
  );
  const results = await pool(4, jobs);
  const failures = results.filter((r) => r.problem !== undefined).map((r) => `${r.label}: ${r.problem}`);
  assert.deepEqual(failures, [], failures.join('\n'));
  assert.equal(results.length, cases.length * 4);
  assert.equal(server.server.sessions.size, 0, 'every client tore its session down');
});
