/**
 * A video made of still photos: one man's portrait, then a hard cut to another man's portrait framed the
 * same way (test/fixtures/faces person-h and person-i, NASA portraits: the faces overlap at IoU > 0.5
 * across the cut). Before tracks ended at cuts, the second man's seconds went to the first man's track
 * and profile. Now the cut ends the track: two people, each on screen exactly for his own photo's time.
 * Then the same two photos cross-faded over one second, where no frame differs enough from the last to
 * be a cut: the embedding check must split the track instead.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { analyzeVideoPeople } from '../../../src/analytics/index.js';
import { FIXTURES } from '../analytics/face-video.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kadr-cut-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** Two photos, 2 s each at 10 fps; `fade` seconds of cross-fade between them (0: a hard cut). */
function photoVideo(name: string, fade: number): string {
  const out = path.join(dir, name);
  const scale = 'scale=828:600,setsar=1,fps=10,format=yuv420p';
  const join = fade > 0 ? `xfade=transition=fade:duration=${fade}:offset=${2 - fade}` : 'concat=n=2:v=1';
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-loop',
    '1',
    '-t',
    '2',
    '-i',
    path.join(FIXTURES, 'person-h_1.jpg'),
    '-loop',
    '1',
    '-t',
    '2',
    '-i',
    path.join(FIXTURES, 'person-i_1.jpg'),
    '-filter_complex',
    `[0]${scale}[a];[1]${scale}[b];[a][b]${join}`,
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-g',
    '100',
    out,
  ]);
  return out;
}

test('a hard cut between two portraits at the same place: two people, split exactly at the cut', async () => {
  const tracks: { frame: number; track: number }[] = [];
  const result = await analyzeVideoPeople(photoVideo('cut.mp4', 0), {
    // The embedding check off: the cut alone must end the track.
    splitDistance: 1.99,
    onFrameFaces: (frame, faces, ids) => {
      assert.equal(faces.length, 1, `frame ${frame}: ${faces.length} faces`);
      tracks.push({ frame, track: ids[0]! });
    },
  });
  assert.equal(tracks.length, 40);
  const before = new Set(tracks.filter((t) => t.frame < 20).map((t) => t.track));
  const after = new Set(tracks.filter((t) => t.frame >= 20).map((t) => t.track));
  assert.equal(before.size, 1);
  assert.equal(after.size, 1);
  assert.notDeepEqual([...before], [...after]);
  assert.equal(result.people.length, 2, JSON.stringify(result.people.map((p) => p.appearances)));
  const spans = result.people.map((p) => p.appearances.map((a) => [a.firstMs, a.lastMs]));
  assert.deepEqual(spans, [[[0, 1900]], [[2000, 3900]]]);
});

test('a cross-fade is no cut, but the face that becomes someone else still starts a new track', async () => {
  const tracks: { frame: number; track: number }[] = [];
  const result = await analyzeVideoPeople(photoVideo('fade.mp4', 1), {
    onFrameFaces: (frame, faces, ids) => ids.forEach((track) => tracks.push({ frame, track })),
  });
  const first = tracks.find((t) => t.frame === 0)!.track;
  const last = tracks.find((t) => t.frame === tracks.at(-1)!.frame)!.track;
  assert.notEqual(first, last, 'the track of the first man went on to the second');
  // The first man's track ends within the fade (frames 10–20 of the 30), not before it starts.
  const endOfFirst = Math.max(...tracks.filter((t) => t.track === first).map((t) => t.frame));
  assert.ok(endOfFirst >= 9 && endOfFirst <= 20, `first track ends at frame ${endOfFirst}`);
  assert.equal(result.people.length, 2, JSON.stringify(result.people.map((p) => p.appearances)));
});
