/**
 * Inputs that are not a usable video end in a KadrError with a code and a readable message, never a
 * crash or a hang. The damaged files are cut from a real H.264 MP4 (face-video.ts); the audio-only file
 * comes from Debian's ffmpeg.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyzeVideoFaces } from '../../../src/analytics/index.js';
import { isKadrError, type KadrErrorCode } from '../../../src/core/index.js';
import { generateFaceVideo, type FaceVideoTruth } from './face-video.js';

let dir: string;
let truth: FaceVideoTruth;
let mp4: Buffer;

/** Top-level MP4 box [offset, size] by type. */
function box(buf: Buffer, type: string): [number, number] {
  for (let off = 0; off < buf.length;) {
    const size = buf.readUInt32BE(off);
    if (buf.toString('latin1', off + 4, off + 8) === type) return [off, size];
    off += size;
  }
  throw new Error(`no ${type} box`);
}

function write(name: string, data: Buffer | string): string {
  const file = path.join(dir, name);
  writeFileSync(file, data);
  return file;
}

async function assertRejectsWith(file: string, code: KadrErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(analyzeVideoFaces(file), (e: unknown) => {
    assert.ok(isKadrError(e, code), `expected ${code}, got ${String(e)}`);
    assert.match(e.message, message);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kadr-faces-bad-'));
  truth = await generateFaceVideo(dir);
  mp4 = readFileSync(truth.file);
  // The generator writes moov after mdat (no faststart), which the truncation case relies on.
  assert.ok(box(mp4, 'moov')[0] > box(mp4, 'mdat')[0]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('analyzeVideoFaces on bad input', () => {
  test('bad options: threads must be a whole number >= 1, the score threshold in (0, 1]', async () => {
    for (const threads of [0, -1, 1.5]) {
      await assert.rejects(analyzeVideoFaces(truth.file, { threads }), (e) =>
        isKadrError(e, 'KADR_ERR_CONFIG'),
      );
    }
    await assert.rejects(analyzeVideoFaces(truth.file, { scoreThreshold: 1.5 }), (e) =>
      isKadrError(e, 'KADR_ERR_CONFIG'),
    );
  });

  test('a missing file', async () => {
    await assertRejectsWith(path.join(dir, 'nope.mp4'), 'KADR_ERR_INPUT_NOT_FOUND', /no such file/);
  });

  test('a text file named .mp4 is not media', async () => {
    await assertRejectsWith(
      write('notes.mp4', 'hello, this is not a video\n'),
      'KADR_ERR_INPUT_NOT_MEDIA',
      /not a media file/,
    );
  });

  test('random bytes are not media', async () => {
    let x = 12345;
    const bytes = Buffer.alloc(100_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
    await assertRejectsWith(write('random.mp4', bytes), 'KADR_ERR_INPUT_NOT_MEDIA', /not a media file/);
  });

  test('an audio-only file has no video', async () => {
    const file = path.join(dir, 'tone.m4a');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=d=1', '-c:a', 'aac', file]);
    await assertRejectsWith(file, 'KADR_ERR_INPUT_NO_VIDEO', /no video stream/);
  });

  test('an MP4 cut off before its moov is a truncated video', async () => {
    const file = write('cut.mp4', mp4.subarray(0, Math.floor(mp4.length * 0.6)));
    await assertRejectsWith(file, 'KADR_ERR_INPUT_CORRUPT', /damaged or truncated mov/);
  });

  test('an MP4 whose frames are all overwritten is corrupt', async () => {
    const [off, size] = box(mp4, 'mdat');
    const damaged = Buffer.from(mp4).fill(0, off + 8, off + size);
    await assertRejectsWith(
      write('zeroed.mp4', damaged),
      'KADR_ERR_INPUT_CORRUPT',
      /0 of 110 frames could be decoded/,
    );
  });

  test('one damaged packet is tolerated, counted, and costs only its own frames', async () => {
    const [off, size] = box(mp4, 'mdat');
    const mid = off + Math.floor(size / 2);
    const damaged = Buffer.from(mp4).fill(0x55, mid, mid + 3000);
    const result = await analyzeVideoFaces(write('glitch.mp4', damaged));
    assert.ok((result.decodeErrors ?? 0) >= 1);
    assert.equal(result.totalFrames, truth.frames);
    assert.ok(result.framesProcessed < truth.frames && result.framesProcessed >= truth.frames - 25);
    assert.equal(result.nextFrameIndex, truth.frames, 'the run still reaches the end');
  });
});
