/**
 * The embedder on real photos (test/fixtures/faces/SOURCES.md): YuNet landmarks → alignment →
 * dlib ResNet. Same person under 0.6, different people over 0.6 (models/README.md §2).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FaceDetector } from '../../../src/analytics/index.js';
import { ChipEmbedder, embeddingDistance } from '../../../src/analytics/index.js';
import { photoFaces } from './photo-faces.js';

let detector: FaceDetector;
let embedder: ChipEmbedder;
const embeddings = new Map<string, Float32Array>();

before(async () => {
  detector = await FaceDetector.create();
  embedder = await ChipEmbedder.create({ batchSize: 4 });
  const singles = ['a_1.png', 'b_1.png', 'c_1.jpg', 'd_1.png', 'e_1.jpg', 'f_1.jpg', 'g_1.jpg', 'h_1.jpg'];
  for (const s of singles) {
    const { frame, faces } = await photoFaces(detector, `person-${s}`);
    assert.equal(faces.length, 1, `one face in person-${s}`);
    const [e] = await embedder.embed(frame, faces);
    embeddings.set(s[0]!, e!);
  }
  const pair = await photoFaces(detector, 'person-a_person-b_2.png');
  assert.equal(pair.faces.length, 2);
  const [a2, b2] = await embedder.embed(pair.frame, pair.faces);
  embeddings.set('a2', a2!);
  embeddings.set('b2', b2!);
});

after(async () => {
  await detector?.close();
  await embedder?.close();
});

// Measured norms are 1.39–1.53 on these photos (models/README.md: "not exactly normalised").
test('embeddings are 128 finite floats of similar norm', () => {
  for (const e of embeddings.values()) {
    assert.equal(e.length, 128);
    const norm = Math.hypot(...e);
    assert.ok(norm > 1 && norm < 2, `norm ${norm}`);
  }
});

test('the same person in two photos is closer than 0.6', () => {
  const a = embeddingDistance(embeddings.get('a')!, embeddings.get('a2')!);
  const b = embeddingDistance(embeddings.get('b')!, embeddings.get('b2')!);
  assert.ok(a < 0.6, `person-a: ${a}`);
  assert.ok(b < 0.6, `person-b: ${b}`);
});

test('different people are farther than 0.6, every pair', () => {
  const people = [...embeddings.keys()];
  const person = (k: string) => k[0];
  let smallest = Infinity;
  for (let i = 0; i < people.length; i++) {
    for (let j = i + 1; j < people.length; j++) {
      if (person(people[i]!) === person(people[j]!)) continue;
      const d = embeddingDistance(embeddings.get(people[i]!)!, embeddings.get(people[j]!)!);
      smallest = Math.min(smallest, d);
      assert.ok(d > 0.6, `${people[i]} vs ${people[j]}: ${d}`);
    }
  }
  assert.ok(smallest < 2);
});

test('a batch gives the same embeddings as one face at a time', async () => {
  const pair = await photoFaces(detector, 'person-a_person-b_2.png');
  const batched = await embedder.embed(pair.frame, pair.faces);
  const single = await embedder.embed(pair.frame, [pair.faces[1]!]);
  assert.ok(embeddingDistance(batched[1]!, single[0]!) < 1e-4);
});

test('no faces, no work; a face with a landmark count other than 5 is refused', async () => {
  const pair = await photoFaces(detector, 'person-a_person-b_2.png');
  assert.deepEqual(await embedder.embed(pair.frame, []), []);
  await assert.rejects(embedder.embed(pair.frame, [{ landmarks: [[1, 2]] }]), RangeError);
});
