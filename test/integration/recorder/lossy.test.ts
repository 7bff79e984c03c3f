/**
 * The recorder over UDP on a lossy link (test/harness/lossy-link.ts: network namespaces this test
 * creates, loss made with iptables). `kadr rtsp-serve` serves a file in the server namespace; `kadr
 * record --transport udp` and ffprobe (`-rtsp_transport udp`, the peer) read it at the same time, each
 * on its own link, with exactly the same RTP packets dropped on both (the 'pattern' loss). Then:
 *  - kadr stores at least as many frames that decode as ffprobe decodes live;
 *  - every stored frame has its exact PTS (the source's, found by picture md5), and every frame the
 *    index does not mark damaged decodes to the source's very picture;
 *  - the loss is reported: packets lost per segment (= those the link dropped), damaged and
 *    incomplete frames in the index and in the JSON, and `--verbose` says so as it happens.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ffprobeFrames } from '../../fixtures/ffprobe.js';
import { createLossyLink, lossyLinkUnavailable, type LossyLink } from '../../harness/lossy-link.js';
import { type RecordJson, waitForListening } from './helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = path.join(root, 'src', 'cli', 'bin.ts');
const unavailable = lossyLinkUnavailable();
const RTP_PORT = 40000;
const RTSP_PORT = 8554;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kadr-rec-lossy-'));
let link: LossyLink;
let video: string;

/** 20 s, 640x360 at 2 Mb/s, 25 fps, GOP 2 s, B-frames: about 10 RTP packets a frame, like a camera's. */
function lossyVideo(): string {
  const file = path.join(root, '.cache', 'fixtures', 'recorder-lossy-20s.mp4');
  execFileSync('sh', [
    '-c',
    `test -f '${file}' || { mkdir -p '${path.dirname(file)}' && ffmpeg -v error -y -f lavfi -i testsrc2=s=640x360:r=25 -t 20 -c:v libx264 -preset veryfast -b:v 2M -g 50 -bf 2 -x264-params scenecut=0 '${file}.tmp.mp4' && mv '${file}.tmp.mp4' '${file}'; }`,
  ]);
  return file;
}

before(async () => {
  if (unavailable) return;
  video = lossyVideo();
  link = createLossyLink(2);
  const server = link.spawn(
    link.serverNs,
    process.execPath,
    [
      '--import',
      'tsx',
      bin,
      'rtsp-serve',
      '--host',
      '0.0.0.0',
      '--no-auth',
      '--port',
      String(RTSP_PORT),
    ].concat(['--rtp-port', String(RTP_PORT), video]),
    { cwd: root },
  );
  await waitForListening(server);
});
after(() => {
  link?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function run(
  child: ReturnType<LossyLink['spawn']>,
): Promise<{ code: number | null; out: string; err: string }> {
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

/** pts (in the file's ticks, as 1/90000) -> md5 of the decoded picture, in output order. */
function decodedMd5s(file: string): Map<number, string> {
  // ffprobeFrames (fixtures) prints the decoder's concealment messages: they are expected here.
  const probed = ffprobeFrames(file, ['-v', 'quiet']);
  const out = execFileSync(
    'ffmpeg',
    ['-v', 'quiet', '-i', file, '-map', '0:v:0', '-fps_mode', 'passthrough', '-f', 'framemd5', '-'],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  const md5s = out
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',')[5]!.trim());
  assert.equal(md5s.length, probed.frames.length, `${file}: ffmpeg and ffprobe decode as many frames`);
  const { num, den } = probed.timeBase;
  return new Map(
    probed.frames.map((f, i) => [Number((f.pts * BigInt(num) * 90000n) / BigInt(den)), md5s[i]!]),
  );
}

interface LossyIndex {
  frames: number;
  ptsTicks: number[];
  keyframes: number[];
  lostPackets: number;
  damaged: number[];
  incomplete: number[];
}

for (const loss of [0.01, 0.05]) {
  test(
    `UDP with ${loss * 100} % packet loss: kadr keeps as many usable frames as ffprobe, each with its exact PTS, and says what was lost`,
    { skip: unavailable ?? false },
    async (t) => {
      link.setLoss(loss, { kind: 'pattern', sourcePort: RTP_PORT });
      const [kadrSide, probeSide] = link.clients;
      const out = path.join(tmp, `loss-${loss}`);
      const record = run(
        link.spawn(
          kadrSide!.ns,
          process.execPath,
          [
            '--import',
            'tsx',
            bin,
            'record',
            `rtsp://${kadrSide!.serverAddress}:${RTSP_PORT}/recorder-lossy-20s`,
          ]
            .concat(['--transport', 'udp', '--to', out, '--spool', path.join(tmp, `spool-${loss}`)])
            .concat(['--segment', '600', '--json', '--verbose']),
          { cwd: root },
        ),
      );
      const probe = run(
        link.spawn(probeSide!.ns, 'ffprobe', [
          ...['-v', 'quiet', '-rtsp_transport', 'udp', '-select_streams', 'v:0'],
          ...['-show_entries', 'frame=pts', '-of', 'csv=p=0'],
          `rtsp://${probeSide!.serverAddress}:${RTSP_PORT}/recorder-lossy-20s`,
        ]),
      );
      const [r, p] = await Promise.all([record, probe]);
      assert.equal(r.code, 0, r.err);
      const ffprobeKept = p.out.split('\n').filter((l) => /^\d/.test(l)).length;
      const droppedForKadr = link.droppedPackets(kadrSide!);
      assert.equal(link.droppedPackets(probeSide!), droppedForKadr, 'the same packets dropped on both links');

      const result = JSON.parse(r.out) as RecordJson & {
        segments: { lostPackets: number; damagedFrames: number; incompleteFrames: number }[];
      };
      assert.equal(result.segments.length, 1);
      const seg = result.segments[0]!;
      const index = JSON.parse(readFileSync(seg.index, 'utf8')) as LossyIndex;

      // Usable: the frames a decoder gets out of what kadr stored.
      const stored = decodedMd5s(seg.key);
      const source = decodedMd5s(video);
      t.diagnostic(
        `${loss * 100} %: ${droppedForKadr} RTP packets dropped; kadr stored ${index.frames} frames, ` +
          `${stored.size} decode (${index.damaged.length} damaged, ${index.incomplete.length} incomplete); ` +
          `ffprobe on the same losses: ${ffprobeKept} of ${source.size}`,
      );
      assert.ok(stored.size >= ffprobeKept, `kadr ${stored.size} usable frames, ffprobe ${ffprobeKept}`);

      // Every decoded frame is in the index; frames of the index that do not decode are marked damaged.
      const damaged = new Set(index.damaged.map((i) => index.ptsTicks[i]!));
      for (const pts of stored.keys())
        assert.ok(index.ptsTicks.includes(pts), `decoded pts ${pts} is in the index`);
      for (const pts of index.ptsTicks) {
        if (!stored.has(pts))
          assert.ok(damaged.has(pts), `pts ${pts} does not decode and is not marked damaged`);
      }
      // Exact PTS: the first intact frame's picture says where the recording starts in the source.
      const bySourceMd5 = new Map([...source].map(([pts, md5]) => [md5, pts]));
      const firstIntact = index.ptsTicks.find((pts) => !damaged.has(pts))!;
      const offset = bySourceMd5.get(stored.get(firstIntact)!)! - firstIntact;
      assert.ok(Number.isInteger(offset), 'the first intact frame is a picture of the source');
      let intact = 0;
      for (const pts of index.ptsTicks) {
        assert.ok(source.has(pts + offset), `stored pts ${pts} is the source's pts ${pts + offset}`);
        if (damaged.has(pts)) continue;
        intact++;
        assert.equal(stored.get(pts), source.get(pts + offset), `intact frame at pts ${pts} decodes exactly`);
      }
      assert.ok(intact > 0);

      // The loss is reported, per segment, in the index, the JSON and the log.
      assert.ok(droppedForKadr > 0);
      assert.ok(
        index.lostPackets <= droppedForKadr && index.lostPackets >= droppedForKadr - 2,
        `lost ${index.lostPackets}, dropped ${droppedForKadr} (a drop at the very start or end is no gap)`,
      );
      assert.ok(index.incomplete.length > 0 && index.damaged.length >= index.incomplete.length);
      assert.ok(index.incomplete.every((i) => index.damaged.includes(i)));
      assert.deepEqual(
        [seg.lostPackets, seg.damagedFrames, seg.incompleteFrames],
        [index.lostPackets, index.damaged.length, index.incomplete.length],
      );
      assert.match(r.err, /"msg":"packets lost".*"keyframeRequests":[1-9]/);
      assert.match(r.err, /"msg":"segment stored".*"lostPackets":[1-9]/);
      assert.deepEqual(
        readdirSync(out).filter((f) => f.startsWith('.')),
        [],
        'nothing hidden left behind',
      );
    },
  );
}
