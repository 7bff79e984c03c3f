/**
 * The recorder over UDP on a link that reorders (test/harness/lossy-link.ts with udp-shaper.py): the
 * first 30 RTP packets of the session arrive in reverse order, the second packet of every keyframe
 * arrives 50 ms late (after the rest of the keyframe's burst, about 60 packets, and the next picture's),
 * and every datagram waits a random 0-2 ms. Nothing is lost on the way, so kadr must store every frame
 * of the source, from its first keyframe on, each picture identical to the source's.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLossyLink, lossyLinkUnavailable, type LossyLink } from '../../harness/lossy-link.js';
import { frameMd5s, probePts90k, type RecordJson, waitForListening } from './helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = path.join(root, 'src', 'cli', 'bin.ts');
const unavailable = lossyLinkUnavailable();
const RTP_PORT = 40000;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kadr-rec-reorder-'));
let link: LossyLink;
let video: string;

/** 8 s of 1080p at CRF 10, GOP 1 s: keyframes of about 60 RTP packets, sent as one burst. */
function burstyVideo(): string {
  const file = path.join(root, '.cache', 'fixtures', 'recorder-reorder-8s-1080p.mp4');
  execFileSync('sh', [
    '-c',
    `test -f '${file}' || { mkdir -p '${path.dirname(file)}' && ffmpeg -v error -y -f lavfi -i testsrc2=s=1920x1080:r=25 -t 8 -c:v libx264 -preset veryfast -crf 10 -g 25 -bf 2 -x264-params scenecut=0 '${file}.tmp.mp4' && mv '${file}.tmp.mp4' '${file}'; }`,
  ]);
  return file;
}

before(async () => {
  if (unavailable) return;
  video = burstyVideo();
  link = createLossyLink(1);
  const server = link.spawn(
    link.serverNs,
    process.execPath,
    ['--import', 'tsx', bin, 'rtsp-serve', '--host', '0.0.0.0', '--no-auth', '--port', '8554'].concat([
      '--rtp-port',
      String(RTP_PORT),
      video,
    ]),
    { cwd: root },
  );
  await waitForListening(server);
  await link.shapeUdp({ rtpPort: RTP_PORT, seed: 7, jitterMs: 2, reverseFirst: 30, delayIdrMs: 50 });
});
after(() => {
  link?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test(
  'UDP reordered at the start and past keyframe bursts: every frame stored, from the first keyframe, exact',
  { skip: unavailable ?? false },
  async () => {
    const client = link.clients[0]!;
    const out = path.join(tmp, 'out');
    const child = link.spawn(
      client.ns,
      process.execPath,
      [
        '--import',
        'tsx',
        bin,
        'record',
        `rtsp://${client.serverAddress}:8554/recorder-reorder-8s-1080p`,
      ].concat([
        '--transport',
        'udp',
        '--to',
        out,
        '--spool',
        path.join(tmp, 'spool'),
        '--segment',
        '600',
        '--json',
      ]),
      { cwd: root },
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, stderr);
    const shaped = await link.shaperCounts();
    assert.equal(shaped.reversed, 30, 'the first 30 packets came in reverse order');
    assert.ok(shaped.idrDelayed! >= 7, `keyframe packets delayed past the burst: ${shaped.idrDelayed}`);

    const result = JSON.parse(stdout) as RecordJson & {
      segments: { lostPackets: number; damagedFrames: number }[];
    };
    assert.equal(result.segments.length, 1);
    const seg = result.segments[0]!;
    const index = JSON.parse(readFileSync(seg.index, 'utf8')) as { frames: number; ptsTicks: number[] };
    assert.equal(seg.lostPackets, 0, 'no packet given up as lost');
    assert.equal(seg.damagedFrames, 0);
    assert.equal(seg.firstPtsMs, 0, 'the first keyframe is kept (not the second, 1 s later)');
    const source = await frameMd5s(video);
    assert.equal(index.frames, source.length, 'every frame of the source');
    assert.deepEqual(await frameMd5s(seg.key), source, 'every picture identical');
    const pts = await probePts90k(seg.key);
    assert.deepEqual(
      pts.map((p) => Number(p - pts[0]!)),
      index.ptsTicks.map((p) => p - index.ptsTicks[0]!),
    );
  },
);
