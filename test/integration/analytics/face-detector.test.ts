/**
 * FaceDetector on the face photos in test/fixtures/faces: the counts and boxes checked independently
 * with OpenCV (shared models README and SOURCES.md) must come out here too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FaceDetector } from '../../../src/analytics/index.js';
import { isKadrError } from '../../../src/core/index.js';
import { loadPicture } from './images.js';
import { FIXTURES } from './face-video.js';

let detector: FaceDetector;
before(async () => {
  detector = await FaceDetector.create();
});
after(() => detector.close());

async function detectFile(file: string) {
  const p = await loadPicture(path.join(FIXTURES, file), 'bgr24');
  return detector.detect(p.planes[0]!, p.width, p.height);
}

describe('FaceDetector on photos', () => {
  const single = [
    'person-a_1.png',
    'person-b_1.png',
    'person-c_1.jpg',
    'person-d_1.png',
    'person-e_1.jpg',
    'person-f_1.jpg',
    'person-g_1.jpg',
    'person-h_1.jpg',
    'person-i_1.jpg',
    'person-j_1.jpg',
  ];
  for (const file of single) {
    test(`${file}: one face`, async () => {
      const faces = await detectFile(file);
      assert.equal(faces.length, 1);
      assert.ok(faces[0]!.score >= 0.9 && faces[0]!.score <= 1);
    });
  }

  test('person-a_person-b_2.png: two faces, person-a on the left', async () => {
    const faces = await detectFile('person-a_person-b_2.png');
    assert.equal(faces.length, 2);
    const xs = faces.map((f) => f.x + f.width / 2).sort((a, b) => a - b);
    assert.ok(xs[0]! < 240 && xs[1]! > 240, 'one face in each half of the 480 px photo');
  });

  test('messi5.jpg: the one face at the place the models README gives, with landmarks in frame pixels', async () => {
    const [face, ...rest] = await detectFile('messi5.jpg');
    assert.equal(rest.length, 0);
    // README (OpenCV letterbox to 640x640): box x=227 y=93 w=30 h=38, eyes at (240,108) and (253,108).
    assert.ok(Math.abs(face!.x - 227) <= 3 && Math.abs(face!.y - 93) <= 3, `box at ${face!.x},${face!.y}`);
    assert.ok(Math.abs(face!.width - 30) <= 4 && Math.abs(face!.height - 38) <= 4);
    assert.equal(face!.landmarks.length, 5);
    const [leftEye, rightEye] = face!.landmarks;
    assert.ok(Math.abs(leftEye![0] - 240) <= 3 && Math.abs(leftEye![1] - 108) <= 3, `left eye ${leftEye}`);
    assert.ok(
      Math.abs(rightEye![0] - 253) <= 3 && Math.abs(rightEye![1] - 108) <= 3,
      `right eye ${rightEye}`,
    );
  });

  test('a large photo is scaled down by FFmpeg and boxes come back in its own pixels', async () => {
    const small = await loadPicture(path.join(FIXTURES, 'person-f_1.jpg'), 'bgr24');
    const big = await loadPicture(path.join(FIXTURES, 'person-f_1.jpg'), 'bgr24', {
      width: 1656,
      height: 1200,
    });
    // Bounded at the small photo's own size, so that the big one is scaled to exactly what the small one is.
    const bounded = await FaceDetector.create({ maxSide: small.width });
    const [a] = await bounded.detect(small.planes[0]!, small.width, small.height);
    const [b] = await bounded.detect(big.planes[0]!, big.width, big.height);
    await bounded.close();
    assert.ok(a && b);
    assert.ok(
      Math.abs(b.x / 2 - a.x) <= 4 && Math.abs(b.y / 2 - a.y) <= 4,
      `${b.x / 2},${b.y / 2} vs ${a.x},${a.y}`,
    );
    assert.ok(Math.abs(b.width / 2 - a.width) <= 6);
  });

  test('a uniform picture has no faces', async () => {
    assert.deepEqual(await detector.detect(Buffer.alloc(320 * 240 * 3, 128), 320, 240), []);
  });

  test('a buffer too short for its size is refused', async () => {
    await assert.rejects(detector.detect(Buffer.alloc(100), 320, 240), (e) =>
      isKadrError(e, 'KADR_ERR_VALIDATION'),
    );
  });
});

describe('FaceDetector concurrency', () => {
  test('calls issued together on one detector give the same results as one at a time', async () => {
    const pictures = await Promise.all(
      ['person-a_person-b_2.png', 'person-c_1.jpg', 'person-d_1.png'].map((f) =>
        loadPicture(path.join(FIXTURES, f), 'bgr24', { width: 480, height: 360 }),
      ),
    );
    const sequential = [];
    for (const p of pictures) sequential.push(await detector.detect(p.planes[0]!, p.width, p.height));
    const together = await Promise.all(pictures.map((p) => detector.detect(p.planes[0]!, p.width, p.height)));
    assert.deepEqual(together, sequential);
    assert.deepEqual(
      together.map((f) => f.length),
      [2, 1, 1],
    );
  });
});
