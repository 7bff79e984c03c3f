/**
 * analyzeVideoPeople on generated videos with known people (no database): one person per profile,
 * the returning face joins its earlier track, each crop shows the right person (checked by the
 * crop's embedding against the source photo's), and known profiles are matched.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  analyzeVideoPeople,
  embeddingDistance,
  FaceDetector,
  ChipEmbedder,
  type PeopleResult,
} from '../../../src/analytics/index.js';
import { CACHE_DIR, generatePeopleVideo, VIDEO_1, VIDEO_2 } from './people-video.js';
import { photoEmbedding, jpegEmbedding } from './photo-faces.js';

let detector: FaceDetector;
let embedder: ChipEmbedder;
let first: PeopleResult;

before(async () => {
  detector = await FaceDetector.create();
  embedder = await ChipEmbedder.create();
});
after(async () => {
  await detector?.close();
  await embedder?.close();
});

/** The photo a crop shows: the one whose embedding is nearest, and that distance. */
async function whoIs(crop: Buffer, photos: string[]): Promise<{ photo: string; distance: number }> {
  const e = await jpegEmbedding(detector, embedder, crop);
  let best = { photo: '', distance: Infinity };
  for (const p of photos) {
    const d = embeddingDistance(e, await photoEmbedding(detector, embedder, p));
    if (d < best.distance) best = { photo: p, distance: d };
  }
  return best;
}

test('three people, one leaving and coming back, give exactly three people', async () => {
  const video = await generatePeopleVideo('people-1', VIDEO_1);
  first = await analyzeVideoPeople(video.file);
  assert.equal(first.totalFrames, 120);
  assert.equal(first.people.length, 3, `people: ${first.people.length}`);
  const shown: string[] = [];
  for (const [i, person] of first.people.entries()) {
    writeFileSync(path.join(CACHE_DIR, `people-1-crop-${i}.jpg`), person.crop);
    const who = await whoIs(person.crop, video.photos);
    assert.ok(who.distance < 0.6, `crop ${i} is ${who.photo} at ${who.distance}`);
    shown.push(who.photo);
    assert.equal(person.profileId, null);
    assert.ok(person.embeddings.length >= 1);
  }
  assert.deepEqual([...shown].sort(), [...video.photos].sort());
  // person-c: two appearances (frames 0–44 and 85–119), the gap in between.
  const c = first.people[shown.indexOf('person-c_1.jpg')]!;
  assert.equal(c.appearances.length, 2);
  assert.equal(c.appearances[0]!.firstMs, 0);
  assert.ok(c.appearances[0]!.lastMs < c.appearances[1]!.firstMs);
});

test('the same face in a second video matches the known profile', async () => {
  const video = await generatePeopleVideo('people-2', VIDEO_2, 80);
  const known = first.people.map((p, i) => ({ id: `p${i}`, embeddings: p.embeddings }));
  const result = await analyzeVideoPeople(video.file, { knownProfiles: known });
  assert.equal(result.people.length, 2);
  const matched = result.people.filter((p) => p.profileId !== null);
  assert.equal(matched.length, 1, 'only person-f is known');
  const fIndex = Number(matched[0]!.profileId!.slice(1));
  const who = await whoIs(first.people[fIndex]!.crop, ['person-f_1.jpg', 'person-c_1.jpg', 'person-d_1.png']);
  assert.equal(who.photo, 'person-f_1.jpg');
});
