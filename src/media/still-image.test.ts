/**
 * decodeStill on the face photos (test/fixtures/faces/SOURCES.md): the pixels match FFmpeg's own
 * decode of the same file, and what is not a whole JPEG or PNG is refused with the right code.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isKadrError } from '../core/errors.js';
import { decodeStill, stillFormatOf } from './still-image.js';

const FACES = path.resolve(import.meta.dirname, '../../test/fixtures/faces');
const read = (name: string) => readFileSync(path.join(FACES, name));

/** The ffmpeg CLI's bgr24 decode of a file, as the peer to compare with. */
function ffmpegBgr(file: string): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'bgr24', '-'], {
    maxBuffer: 64 << 20,
  });
}

test('JPEG and PNG decode to the same BGR pixels as the ffmpeg CLI', () => {
  for (const [name, format, width, height] of [
    ['person-a_1.png', 'png', 480, 270],
    ['person-c_1.jpg', 'jpeg', 512, 600],
  ] as const) {
    const still = decodeStill(read(name));
    assert.deepEqual([still.format, still.width, still.height], [format, width, height]);
    const reference = ffmpegBgr(path.join(FACES, name));
    assert.equal(still.bgr.length, reference.length);
    let worst = 0;
    for (let i = 0; i < reference.length; i++)
      worst = Math.max(worst, Math.abs(still.bgr[i]! - reference[i]!));
    // Both are libavcodec + swscale; JPEG chroma upsampling may differ by a step or two.
    assert.ok(worst <= (format === 'png' ? 0 : 3), `${name}: largest difference ${worst}`);
  }
});

test('not a picture, a cut-short JPEG or PNG, and a header over 50 megapixels are refused', () => {
  const code = (bytes: Buffer) => {
    try {
      decodeStill(bytes);
      return 'decoded';
    } catch (error) {
      return isKadrError(error) ? error.code : String(error);
    }
  };
  assert.equal(stillFormatOf(Buffer.from('GIF89a')), null);
  assert.equal(code(Buffer.from('not a picture')), 'KADR_ERR_INPUT_NOT_MEDIA');
  const jpeg = read('person-c_1.jpg');
  assert.equal(code(jpeg.subarray(0, jpeg.length / 2)), 'KADR_ERR_INPUT_CORRUPT');
  const png = read('person-a_1.png');
  assert.equal(code(png.subarray(0, 3000)), 'KADR_ERR_INPUT_CORRUPT');
  // IHDR width and height (bytes 16–23) say 9000×9000: 81 megapixels, refused before allocation.
  const big = Buffer.from(png);
  big.writeUInt32BE(9000, 16);
  big.writeUInt32BE(9000, 20);
  assert.equal(code(big), 'KADR_ERR_INPUT_CORRUPT');
});
