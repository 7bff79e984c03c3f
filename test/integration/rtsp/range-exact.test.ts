/**
 * The Range of a PLAY reply carries the exact start: FFmpeg adds it to every PTS after a seek, so a
 * start rounded to milliseconds puts every frame up to 45 ticks off its 90 kHz time. The clip is
 * 29.97 fps with a keyframe every 25 frames (75075 ticks, 0.834166... s), so no keyframe after the
 * first falls on a whole millisecond.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { run, type RunningServer, startServer } from '../../interop/rtsp/harness.js';
import { RawClient, sleep } from './raw-client.js';

const FRAME_TICKS = 3003;
const GOP = 25;

async function ntscClip(): Promise<string> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const file = path.join(root, '.cache', 'rtsp-tests', 'ntsc-gop25-90k.mp4');
  if (existsSync(file)) return file;
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.mp4`;
  const r = await run('ffmpeg', [
    '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=30000/1001:d=6',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(GOP), '-bf', '0', '-pix_fmt', 'yuv420p',
    '-video_track_timescale', '90000', tmp,
  ]); // prettier-ignore
  if (r.code !== 0) throw new Error(`cannot make the clip: ${r.stderr}`);
  renameSync(tmp, file);
  return file;
}

let clip: string;
let server: RunningServer;
before(async () => {
  clip = await ntscClip();
  server = await startServer([clip]);
});
after(() => server.close());

for (const transport of ['tcp', 'udp'] as const) {
  test(`ffprobe seeking to 3 s over ${transport} gets every frame on its exact 90 kHz tick`, async () => {
    const r = await run('ffprobe', [
      '-v', 'error', '-rtsp_transport', transport, '-read_intervals', '3%+#8', '-select_streams', 'v:0',
      '-show_entries', 'frame=pts', '-of', 'csv=p=0', server.url(clip),
    ]); // prettier-ignore
    assert.equal(r.code, 0, r.stderr);
    const pts = r.stdout
      .split('\n')
      .filter((l) => /^\d+$/.test(l.trim()))
      .map(Number);
    assert.ok(pts.length >= 5, `frames: ${r.stdout}`);
    // the keyframe at or before 3 s is frame 75 (2.5025 s); FFmpeg gives its first access unit no pts
    const key = 3 * GOP * FRAME_TICKS;
    assert.deepEqual(
      pts,
      pts.map((_, i) => key + (i + 1) * FRAME_TICKS),
    );
  });
}

test('the Range of a resume after PAUSE names the exact time of the next frame', async () => {
  const c = await RawClient.connect(server.port);
  const url = server.url(clip);
  const s = await c.request('SETUP', `${url}/track0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
  const session = s.headers.get('session')!.split(';')[0]!;
  const play = await c.request('PLAY', url, { Session: session });
  const rtptime0 = Number(/rtptime=(\d+)/.exec(play.headers.get('rtp-info')!)![1]);
  await sleep(700);
  assert.equal((await c.request('PAUSE', url, { Session: session })).status, 200);
  await sleep(200);
  const resume = await c.request('PLAY', url, { Session: session });
  const start = /^npt=([\d.]+)-/.exec(resume.headers.get('range')!)![1]!;
  const rtptime = Number(/rtptime=(\d+)/.exec(resume.headers.get('rtp-info')!)![1]);
  const ticks = (rtptime - rtptime0) >>> 0;
  assert.ok(ticks > 0 && ticks % FRAME_TICKS === 0, `resumes at a frame (${ticks} ticks)`);
  // FFmpeg's reading: microseconds, rescaled to 90 kHz rounding to nearest
  assert.equal(Math.round(Math.round(Number(start) * 1e6) * 0.09), ticks, `Range npt=${start}`);
  c.close();
});
