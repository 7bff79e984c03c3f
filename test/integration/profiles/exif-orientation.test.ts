/**
 * decodeStill turns a photo upright as its EXIF Orientation tag says (src/media/exif-orientation.ts): a
 * real photo (test/fixtures/faces) turned by the ffmpeg CLI as a phone stores it, tagged byte by byte,
 * comes back with the upright photo's pixels, for every value, both TIFF byte orders and PNG's eXIf.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { decodeStill } from '../../../src/media/index.js';
import { phonePhoto, tagJpeg } from '../../fixtures/exif-photo.js';

const FACES = path.resolve(import.meta.dirname, '../../fixtures/faces');
const read = (name: string) => readFileSync(path.join(FACES, name));

test('EXIF orientation, all 8 values (JPEG, both byte orders, and PNG): the picture comes back upright', () => {
  const file = path.join(FACES, 'person-f_1.jpg');
  const upright = decodeStill(read('person-f_1.jpg'));
  const meanDiff = (a: Buffer, b: Buffer) => {
    let sum = 0;
    for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
    return sum / a.length;
  };
  // Every value as a big-endian JPEG (what most cameras write); one little-endian JPEG and one PNG.
  const cases = [
    ...[1, 2, 3, 4, 5, 6, 7, 8].map((o) => [o, 'jpeg', 'MM'] as const),
    [6, 'jpeg', 'II'] as const,
    [8, 'png', 'II'] as const,
  ];
  for (const [o, format, order] of cases) {
    const photo = phonePhoto(file, o, format, order);
    const still = decodeStill(photo);
    const what = `orientation ${o}, ${format} ${order}`;
    assert.equal(still.orientation, o, what);
    assert.deepEqual([still.width, still.height], [upright.width, upright.height], what);
    // Re-encoded once by the ffmpeg CLI: a few steps off on average, where a wrong turn is tens.
    const d = meanDiff(still.bgr, upright.bgr);
    assert.ok(d < (format === 'png' ? 1 : 4), `${what}: mean difference ${d.toFixed(2)}`);
  }
  // No tag, a tag with a value out of range, a truncated segment: as stored.
  assert.equal(decodeStill(read('person-f_1.jpg')).orientation, 1);
  const bad = tagJpeg(execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'mjpeg', '-']), 9);
  assert.equal(decodeStill(bad).orientation, 1);
});
