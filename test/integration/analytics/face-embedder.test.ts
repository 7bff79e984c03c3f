/**
 * FaceEmbedder on the face photos: YuNet landmarks → alignment → dlib ResNet embedding. The same person
 * in two photos must be closer than 0.6, different people farther (shared models README §2 and
 * test/fixtures/faces/SOURCES.md, checked there with OpenCV: same ≤ 0.426, different ≥ 0.709).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import {
  EMBEDDING_SIZE,
  euclideanDistance,
  FaceDetector,
  FaceEmbedder,
  SAME_PERSON_DISTANCE,
} from '../../../src/analytics/index.js';
import { loadPicture } from './images.js';
import { FIXTURES } from './face-video.js';

interface Face {
  person: string;
  label: string;
  embedding: Float32Array;
}

let detector: FaceDetector;
let embedder: FaceEmbedder;
const faces: Face[] = [];

before(async () => {
  detector = await FaceDetector.create();
  embedder = await FaceEmbedder.create();
  for (const file of readdirSync(FIXTURES).filter((f) => /^person-.*\.(png|jpg)$/.test(f))) {
    const picture = await loadPicture(path.join(FIXTURES, file), 'bgr24');
    const bgr = picture.planes[0]!;
    // File names list the people left to right (SOURCES.md).
    const found = (await detector.detect(bgr, picture.width, picture.height)).sort((a, b) => a.x - b.x);
    const people = file.replace(/_\d+\.\w+$/, '').split('_');
    assert.equal(found.length, people.length, file);
    const embeddings = await embedder.embed(
      { data: bgr, width: picture.width, height: picture.height, order: 'bgr' },
      found,
    );
    embeddings.forEach((embedding, i) =>
      faces.push({ person: people[i]!, label: `${file}#${i}`, embedding }),
    );
  }
});
after(async () => {
  await detector.close();
  await embedder.close();
});

describe('FaceEmbedder on photos', () => {
  test('one 128-d embedding per face, finite and not constant', () => {
    assert.equal(faces.length, 12);
    for (const f of faces) {
      assert.equal(f.embedding.length, EMBEDDING_SIZE);
      assert.ok(f.embedding.every(Number.isFinite), f.label);
      assert.ok(Math.max(...f.embedding) - Math.min(...f.embedding) > 0.1, f.label);
    }
  });

  test('the same person in two photos is closer than 0.6; different people are farther', () => {
    let same = 0;
    for (let i = 0; i < faces.length; i++) {
      for (let j = i + 1; j < faces.length; j++) {
        const [a, b] = [faces[i]!, faces[j]!];
        const d = euclideanDistance(a.embedding, b.embedding);
        if (a.person === b.person) {
          same++;
          assert.ok(d < SAME_PERSON_DISTANCE, `${a.label} vs ${b.label}: ${d.toFixed(3)}, same person`);
        } else {
          assert.ok(d > SAME_PERSON_DISTANCE, `${a.label} vs ${b.label}: ${d.toFixed(3)}, different people`);
        }
      }
    }
    assert.equal(same, 2, 'person-a and person-b each appear twice');
  });

  test('no faces, no work; a face without 5 landmarks is refused', async () => {
    const image = { data: Buffer.alloc(30 * 30 * 3), width: 30, height: 30, order: 'bgr' as const };
    assert.deepEqual(await embedder.embed(image, []), []);
    await assert.rejects(embedder.embed(image, [{ landmarks: [[1, 2]] }]), /5 landmarks/);
  });
});
