/**
 * The timeline tools over HTTP on uploaded videos (a real `kadr serve`, no analysis worker: the
 * videos stay queued, their files are what is read): the frame at t of a VFR video with B-frames is
 * the one ffprobe -show_frames shows then, by index, PTS and by the number drawn in the JPEG; an
 * original compared with itself is identical and with a re-encode of it is not (PSNR); the same
 * moment in two videos names each one's frame and the frames it skipped; bad input is a 4xx.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ceilDiv } from '../../../src/core/rational.js';
import { readPatternNumber } from '../../../src/media/index.js';
import { ffprobeFrames, truthIndexAt, type ProbedVideo } from '../../fixtures/ffprobe.js';
import { getFixture, type Fixture } from '../../fixtures/index.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { upload } from './support/http.js';
import { kadrEnv, startKadr, type KadrProcess } from './support/kadr-process.js';

let tdb: TestDatabase;
let dataDir: string;
let kadr: KadrProcess;
let vfr: Fixture;
let longGop: Fixture;
let reencoded: ProbedVideo & { path: string };
const ids: Record<string, string> = {};

before(async () => {
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-video-frames-'));
  await chmod(dataDir, 0o755);
  vfr = getFixture('h264-mp4-ms');
  longGop = getFixture('h264-mp4-90k-longgop');
  // A "recording" of the VFR video: re-encoded with its timestamps kept, so the same t names the same
  // frame in both while the pictures differ a little.
  const out = path.join(dataDir, 'recording.mp4');
  execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-copyts', '-i', vfr.path],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '30', '-bf', '0', '-fps_mode', 'passthrough'],
    ...['-video_track_timescale', '1000', out],
  ]);
  reencoded = { ...ffprobeFrames(out), path: out };
  kadr = await startKadr(
    ['serve', '--port', '0', '--data', path.join(dataDir, 'data'), '--concurrency', '0'],
    kadrEnv({ DATABASE_URL: tdb.url }),
  );
  const files = { vfr: vfr.path, copy: vfr.path, longGop: longGop.path, recording: out };
  const res = await upload(
    kadr.url,
    Object.entries(files).map(([name, file]) => ({ name: `${name}.mp4`, data: readFileSync(file) })),
  );
  assert.equal(res.status, 201, JSON.stringify(res.body));
  for (const v of res.body.items) ids[v.filename.replace('.mp4', '')] = v.id;
});
after(async () => {
  await kadr?.stop();
  await tdb?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

const getJson = async (url: string) => {
  const res = await fetch(`${kadr.url}${url}`);
  return { status: res.status, json: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
};

/** The first whole ms at which frame i is shown, for a sample of frames. */
function boundaries(f: ProbedVideo, every: number): number[] {
  const first = f.frames[0]!.pts;
  const { num, den } = f.timeBase;
  return f.frames
    .filter((_, i) => i % every === 0)
    .flatMap((fr) => {
      const t = Number(ceilDiv((fr.pts - first) * BigInt(num) * 1000n, BigInt(den)));
      return t > 0 ? [t - 1, t] : [t];
    });
}

test('the frame at t of an upload is the one ffprobe shows then, in JSON and in the JPEG', async () => {
  const times = boundaries(vfr, 7);
  for (const t of times) {
    const want = truthIndexAt(vfr, t);
    const { status, json } = await getJson(`/api/videos/${ids.vfr}/frame?t=${t}&format=json`);
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.index, want, `t=${t}: index`);
    assert.equal(json.ptsTicks, vfr.frames[want]!.pts.toString(), `t=${t}: pts`);
    const startOf = (i: number) => {
      const f = vfr.frames[i];
      return f ? (Number(f.pts - vfr.frames[0]!.pts) * vfr.timeBase.num * 1000) / vfr.timeBase.den : null;
    };
    assert.equal(json.nextFrameMs, startOf(want + 1), `t=${t}: next frame`);
    assert.equal(json.previousFrameMs, want > 0 ? startOf(want - 1) : null, `t=${t}: previous frame`);
  }
  // The picture: the frame number drawn in it survives JPEG (read as in the timeline tests).
  for (const t of times.filter((_, i) => i % 5 === 0)) {
    const res = await fetch(`${kadr.url}/api/videos/${ids.vfr}/frame?t=${t}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    const want = truthIndexAt(vfr, t);
    assert.equal(res.headers.get('x-frame-index'), String(want));
    const jpeg = Buffer.from(await res.arrayBuffer());
    const gray = execFileSync(
      'ffmpeg',
      [
        ...['-hide_banner', '-loglevel', 'error', '-f', 'jpeg_pipe', '-i', 'pipe:0'],
        ...['-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'],
      ],
      { input: jpeg },
    );
    assert.equal(readPatternNumber(gray, vfr.width, vfr.width, vfr.height), want, `t=${t}: picture`);
  }
});

test('compare: identical to a copy of itself, not to a re-encode, same frame at the same t', async () => {
  const t = boundaries(vfr, 11)[5]!;
  const same = await getJson(`/api/compare?original=${ids.vfr}&recording=${ids.copy}&t=${t}`);
  assert.equal(same.status, 200, JSON.stringify(same.json));
  assert.equal(same.json.identical, true);
  assert.equal(same.json.psnr, null);
  const diff = await getJson(`/api/compare?original=${ids.vfr}&recording=${ids.recording}&t=${t}`);
  assert.equal(diff.status, 200, JSON.stringify(diff.json));
  assert.equal(diff.json.identical, false);
  assert.ok(diff.json.psnr > 20 && diff.json.psnr < 80, `psnr ${diff.json.psnr}`);
  assert.equal(diff.json.original.index, truthIndexAt(vfr, t));
  assert.equal(diff.json.recording.index, truthIndexAt(reencoded, t));
});

test('same moment in two videos: each one’s frame and the frames it skipped to reach t', async () => {
  for (const t of [0, 333, 1001, 2500]) {
    const { status, json } = await getJson(`/api/same-moment?a=${ids.vfr}&b=${ids.longGop}&t=${t}`);
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.a.index, truthIndexAt(vfr, t), `t=${t}: a`);
    assert.equal(json.b.index, truthIndexAt(longGop, t), `t=${t}: b`);
    assert.equal(json.b.ptsTicks, longGop.frames[json.b.index as number]!.pts.toString());
    assert.match(json.log[0], new RegExp(`^a: vfr\\.mp4: skipped ${json.a.index} frames to reach ${t} ms`));
    assert.match(json.log[1], new RegExp(`^b: longGop\\.mp4: skipped ${json.b.index} frames`));
  }
});

test('bad input: past the end, not a time, an unknown video, a missing parameter', async () => {
  const past = await getJson(`/api/videos/${ids.vfr}/frame?t=3600000&format=json`);
  assert.equal(past.status, 400);
  assert.equal(past.json.error.code, 'KADR_ERR_TIME_PAST_END');
  assert.match(past.json.error.hint, /give a time from 0/);
  assert.equal((await getJson(`/api/videos/${ids.vfr}/frame?t=-5`)).status, 400);
  assert.equal((await getJson(`/api/videos/${ids.vfr}/frame?t=abc`)).status, 400);
  const unknown = await getJson('/api/videos/00000000-0000-4000-8000-000000000000/frame?t=0');
  assert.equal(unknown.status, 404);
  assert.equal((await getJson(`/api/compare?original=${ids.vfr}&t=0`)).status, 400);
  assert.equal((await getJson(`/api/same-moment?a=${ids.vfr}&b=nope&t=0`)).status, 400);
});
