/**
 * Face analysis of whole videos against known truth: a generated video with face photos pasted at known
 * positions (face-video.ts). ffprobe (Debian ffmpeg) is the independent check of the frame count.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyzeVideoFaces, type FaceAnalysisState } from '../../../src/analytics/index.js';
import { generateFaceVideo, type FaceVideoTruth } from './face-video.js';

let dir: string;
let truth: FaceVideoTruth;

/** What a correct analysis of frames [0, end) of the truth video must report. */
function expectedState(t: FaceVideoTruth, end = t.frames): FaceAnalysisState {
  const facesPerSecond: number[] = [];
  let facesSoFar = 0;
  let framesWithFaces = 0;
  for (let i = 0; i < end; i++) {
    const faces = t.facesPerFrame[i]!;
    const second = Number((t.pts[i]! * BigInt(t.timeBase.num)) / BigInt(t.timeBase.den));
    while (facesPerSecond.length <= second) facesPerSecond.push(0);
    facesPerSecond[second]! += faces;
    facesSoFar += faces;
    if (faces > 0) framesWithFaces++;
  }
  return {
    totalFrames: t.frames,
    framesProcessed: end,
    facesSoFar,
    framesWithFaces,
    facesPerSecond,
    nextFrameIndex: end,
  };
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kadr-faces-'));
  truth = await generateFaceVideo(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('analyzeVideoFaces on a video with known faces', () => {
  test('the truth video is what we think it is (ffprobe counts the same frames)', () => {
    const out = execFileSync('ffprobe', [
      ...['-v', 'error', '-select_streams', 'v:0', '-count_packets'],
      ...['-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', truth.file],
    ]).toString();
    assert.equal(Number(out.trim()), truth.frames);
    // 0, 1, 2, 3 and 4 faces all occur, and so do frames without any.
    assert.deepEqual([...new Set(truth.facesPerFrame)].sort(), [0, 1, 2, 3, 4]);
  });

  test('counts faces exactly: total, frames with faces, per second, and reports progress', async () => {
    const reports: FaceAnalysisState[] = [];
    const t0 = performance.now();
    const result = await analyzeVideoFaces(truth.file, { onProgress: (s) => void reports.push(s) });
    const elapsedMs = performance.now() - t0;
    // At most one report per 250 ms, plus the final one.
    assert.ok(
      reports.length <= Math.floor(elapsedMs / 250) + 1,
      `${reports.length} reports in ${elapsedMs} ms`,
    );
    assert.deepEqual(result, expectedState(truth));
    assert.ok(reports.length >= 1);
    assert.deepEqual(reports.at(-1), result, 'the last report is the final state');
    for (let i = 1; i < reports.length; i++) {
      assert.ok(reports[i]!.framesProcessed >= reports[i - 1]!.framesProcessed, 'progress never goes back');
      assert.ok(reports[i]!.facesSoFar >= reports[i - 1]!.facesSoFar);
    }
  });

  test('two inference threads give the same counts', async () => {
    assert.deepEqual(await analyzeVideoFaces(truth.file, { threads: 2 }), expectedState(truth));
  });

  test('resume from a state in the middle of a GOP continues and ends with the full-run totals', async () => {
    // Frame 37 lies between keyframes 25 and 50: the reader seeks to 25, decodes forward and must drop
    // 25..36, which the saved state already counted.
    for (const k of [37, 50, 109]) {
      const result = await analyzeVideoFaces(truth.file, { resumeFrom: expectedState(truth, k) });
      assert.deepEqual(result, expectedState(truth), `resume at frame ${k}`);
    }
  });

  test('Matroska and MPEG-TS remuxes (Debian ffmpeg -c copy) give the same counts, full and resumed', async () => {
    for (const ext of ['mkv', 'ts']) {
      const file = path.join(dir, `remux.${ext}`);
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', truth.file, '-c', 'copy', file]);
      assert.deepEqual(await analyzeVideoFaces(file), expectedState(truth), ext);
      // MPEG-TS seeks by byte position: wherever it lands, the resumed totals must still be exact.
      for (const k of [37, 80]) {
        const resumed = await analyzeVideoFaces(file, { resumeFrom: expectedState(truth, k) });
        assert.deepEqual(resumed, expectedState(truth), `${ext} resumed at ${k}`);
      }
    }
  });

  test('an MP4 edit list that hides leading frames: only shown frames count, as ffprobe decodes them', async () => {
    // `-ss` with stream copy keeps the GOP before the cut and hides its leading frames with an edit list.
    const file = path.join(dir, 'cut.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-ss', '1.3', '-i', truth.file, '-c', 'copy', file]);
    const shown = Number(
      execFileSync('ffprobe', [
        ...['-v', 'error', '-select_streams', 'v:0', '-count_frames'],
        ...['-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file],
      ])
        .toString()
        .trim(),
    );
    assert.ok(shown > 0 && shown < truth.frames);
    // The shown frames are the last `shown` frames of the original, time zero at the first of them.
    const first = truth.frames - shown;
    const tail: FaceVideoTruth = {
      ...truth,
      frames: shown,
      pts: truth.pts.slice(first).map((p) => p - truth.pts[first]!),
      facesPerFrame: truth.facesPerFrame.slice(first),
    };
    assert.deepEqual(await analyzeVideoFaces(file), expectedState(tail));
    assert.deepEqual(
      await analyzeVideoFaces(file, { resumeFrom: expectedState(tail, 30) }),
      expectedState(tail),
    );
  });

  test('a state saved by an aborted run resumes to the same totals', async () => {
    const controller = new AbortController();
    let saved: FaceAnalysisState | undefined;
    const reason = new Error('paused by test');
    await assert.rejects(
      analyzeVideoFaces(truth.file, {
        signal: controller.signal,
        onProgress: (s) => {
          saved = s;
          controller.abort(reason);
        },
      }),
      (e) => e === reason,
    );
    assert.ok(saved && saved.nextFrameIndex > 0 && saved.nextFrameIndex < truth.frames, 'stopped part-way');
    assert.deepEqual(saved, expectedState(truth, saved.nextFrameIndex), 'the partial state is exact too');
    // The server stores the state as JSON: resume from what it would read back.
    const stored = JSON.parse(JSON.stringify(saved)) as FaceAnalysisState;
    assert.deepEqual(await analyzeVideoFaces(truth.file, { resumeFrom: stored }), expectedState(truth));
  });

  test('abort stops the run within a second and rejects with the abort reason', async () => {
    const controller = new AbortController();
    let last: FaceAnalysisState | undefined;
    const run = analyzeVideoFaces(truth.file, {
      signal: controller.signal,
      onProgress: (s) => void (last = s),
    });
    // Abort once the run is under way (model loaded, frames flowing).
    await new Promise((r) => setTimeout(r, 150));
    const abortedAt = performance.now();
    controller.abort();
    await assert.rejects(run, (e: unknown) => e instanceof DOMException && e.name === 'AbortError');
    assert.ok(performance.now() - abortedAt < 1000, 'rejected within a second of the abort');
    assert.ok(!last || last.framesProcessed < truth.frames);
  });

  test('an already aborted signal rejects before any work', async () => {
    const reason = new Error('cancelled');
    await assert.rejects(
      analyzeVideoFaces(truth.file, { signal: AbortSignal.abort(reason) }),
      (e) => e === reason,
    );
  });

  test('reads the video from an http URL (Range requests, as from object storage)', async () => {
    const server = await serveFile(truth.file);
    try {
      const { port } = server.address() as AddressInfo;
      const result = await analyzeVideoFaces(`http://127.0.0.1:${port}/video.mp4`, {
        resumeFrom: expectedState(truth, 60),
      });
      assert.deepEqual(result, expectedState(truth));
    } finally {
      server.close();
    }
  });
});

/** A static file server with byte ranges, which FFmpeg needs to read an MP4 whose moov is at the end. */
async function serveFile(file: string): Promise<Server> {
  const size = statSync(file).size;
  const server = createServer((req, res) => {
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const end = m && m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
    res.writeHead(m ? 206 : 200, {
      'content-type': 'video/mp4',
      'accept-ranges': 'bytes',
      'content-length': end - start + 1,
      ...(m ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    });
    createReadStream(file, { start, end }).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}
