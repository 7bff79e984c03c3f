/**
 * frameAt against ground truth: for every generated fixture (VFR, B-frames, long GOP, first PTS not
 * zero, H.264 / H.265 / MPEG-4 Part 2 / VP9, MP4 and Matroska) and, for every frame, the first whole
 * millisecond at which it is shown and the millisecond before, the frame kadr returns is the one
 * ffprobe -show_frames says is displayed at t, and the picture carries that frame's number.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ceilDiv } from '../../../src/core/rational.js';
import { comparePictures, readPatternNumber } from '../../../src/media/index.js';
import { FrameLookup } from '../../../src/timeline/index.js';
import { truthIndexAt } from '../../fixtures/ffprobe.js';
import { type Fixture, fixtureNames, getFixture } from '../../fixtures/index.js';

function boundaryTimes(f: Fixture): number[] {
  const first = f.frames[0]!.pts;
  const { num, den } = f.timeBase;
  const times = new Set<number>([0]);
  for (const fr of f.frames) {
    const t = Number(ceilDiv((fr.pts - first) * BigInt(num) * 1000n, BigInt(den)));
    times.add(t);
    if (t > 0) times.add(t - 1);
  }
  return [...times].sort((a, b) => a - b);
}

for (const name of fixtureNames) {
  describe(`frame at t: ${name}`, () => {
    let fixture: Fixture;
    let lookup: FrameLookup;
    before(async () => {
      fixture = getFixture(name);
      lookup = await FrameLookup.open(fixture.path, { noDiskCache: true, skipUnreferenced: true });
    });
    after(async () => lookup?.close());

    test('the index has exactly the frames and PTS of ffprobe -show_frames', () => {
      assert.equal(lookup.index.pts.length, fixture.frames.length);
      assert.deepEqual(
        lookup.index.pts,
        fixture.frames.map((f) => f.pts),
      );
      assert.deepEqual(lookup.index.timeBase, fixture.timeBase);
      // every frame the index calls a keyframe decodes as one (ffprobe key_frame)
      lookup.index.key.forEach((k, i) => {
        if (k)
          assert.equal(
            fixture.frames[i]!.key,
            true,
            `frame ${i} is a keyframe in the index but not per ffprobe`,
          );
      });
    });

    test('every frame boundary, 1 ms before it, and t=0 give the frame ffprobe shows at t', async () => {
      const times = boundaryTimes(fixture);
      let checked = 0;
      for (const t of times) {
        const want = truthIndexAt(fixture, t);
        const got = await lookup.at(t);
        try {
          assert.equal(got.index, want, `t=${t} ms: index`);
          assert.equal(got.ptsTicks, fixture.frames[want]!.pts, `t=${t} ms: pts`);
          const seen = readPatternNumber(
            got.frame.data![0]!,
            got.frame.linesize[0]!,
            got.frame.width,
            got.frame.height,
          );
          assert.equal(seen, want, `t=${t} ms: the picture shows frame ${seen}`);
          checked++;
        } finally {
          got.frame.free();
        }
      }
      assert.equal(checked, times.length);
      assert.ok(checked > fixture.frames.length, 'both sides of every boundary were checked');
    });

    test('the last frame, and time past the end is refused', async () => {
      const last = fixture.frames.length - 1;
      const first = fixture.frames[0]!.pts;
      const { num, den } = fixture.timeBase;
      const lastMs = Number(ceilDiv((fixture.frames[last]!.pts - first) * BigInt(num) * 1000n, BigInt(den)));
      const got = await lookup.at(lastMs);
      assert.equal(got.index, last);
      got.frame.free();
      await assert.rejects(lookup.at(lastMs + 10_000), { code: 'KADR_ERR_TIME_PAST_END' });
      await assert.rejects(lookup.at(-1), { code: 'KADR_ERR_TIME_NEGATIVE' });
    });

    test('dropping unreferenced frames on the way does not change the picture', async () => {
      const plain = await FrameLookup.open(fixture.path, { skipUnreferenced: false });
      try {
        for (const i of [1, 2, 3, Math.floor(fixture.frames.length / 2), fixture.frames.length - 1]) {
          const a = await lookup.decodeFrame(i);
          const b = await plain.decodeFrame(i);
          try {
            assert.equal(comparePictures(a.frame, b.frame).identical, true, `frame ${i}`);
          } finally {
            a.frame.free();
            b.frame.free();
          }
        }
      } finally {
        await plain.close();
      }
    });
  });
}
