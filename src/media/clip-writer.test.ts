import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { writeClip } from './clip-writer.js';
import { openVideoInput } from './input.js';
import { indexVideoPackets } from './packet-scan.js';
import { writeSyntheticVideo } from './synthetic-video.js';

function probe(file: string, what: 'frames' | 'packets'): { pts: number; hash?: string }[] {
  const out = execFileSync(
    'ffprobe',
    ['-v', 'error', `-show_${what}`, '-show_data_hash', 'MD5', '-of', 'json', file],
    { maxBuffer: 64 << 20, encoding: 'utf8' },
  );
  return (JSON.parse(out)[what] as { pts: number; data_hash?: string }[]).map((f) => ({
    pts: f.pts,
    hash: f.data_hash,
  }));
}

test('a clip starts presentation at a mid-GOP frame through an edit list, packets copied as they are', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kadr-clip-'));
  try {
    const source = path.join(dir, 'in.mp4');
    // Uneven frame spacing: the clip's times must come from the PTS, not from a frame rate.
    await writeSyntheticVideo(source, {
      width: 96,
      height: 64,
      frames: 60,
      timescale: 90000,
      startTicks: 450000,
      minTicks: 3000,
      spreadTicks: 1000,
      seed: 5,
      gop: 10,
      bframes: 0,
      hue: 0,
    });
    const packets = probe(source, 'packets');
    const pts = packets.map((p) => p.pts);
    const target = path.join(dir, 'clip.mp4');
    const seen: number[] = [];
    const r = await writeClip({
      sources: [source],
      firstPts: BigInt(pts[13]!),
      lastPts: BigInt(pts[41]!),
      target,
      onProgress: (n) => seen.push(n),
    });
    assert.equal(r.frames, 29);
    assert.equal(r.packets, 32, 'from the keyframe at 10');
    assert.ok(seen.length > 0);
    const shown = probe(target, 'frames').map((f) => f.pts);
    assert.deepEqual(
      shown,
      pts.slice(13, 42).map((p) => p - pts[13]!),
    );
    assert.deepEqual(
      probe(target, 'packets').map((p) => p.hash),
      packets.slice(10, 42).map((p) => p.hash),
    );
    await assert.rejects(
      writeClip({ sources: [source], firstPts: 1n, lastPts: 2n, target }),
      /no frame in the clip span/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with B-frames, the clip shows exactly the wanted frames: the edit ends where the next frame starts', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kadr-clip-'));
  try {
    const source = path.join(dir, 'in.mp4');
    await writeSyntheticVideo(source, {
      width: 96,
      height: 64,
      frames: 60,
      timescale: 90000,
      startTicks: 450000,
      minTicks: 3000,
      spreadTicks: 1000,
      seed: 5,
      gop: 10,
      bframes: 2,
      hue: 0,
    });
    const packets = probe(source, 'packets');
    const pts = packets.map((p) => p.pts).sort((a, b) => a - b);
    // Frames 13..41 and 20..27 (presentation order): 41 and 27 are B-frames, so the P-frame after
    // each is decoded before it and must be carried, but not shown.
    const inDecodeOrder = packets.map((p) => p.pts);
    for (const last of [41, 27]) {
      const at = inDecodeOrder.indexOf(pts[last]!);
      assert.ok(
        inDecodeOrder.slice(0, at).some((p) => p > pts[last]!),
        `a later frame decoded before ${last}`,
      );
    }
    const target = path.join(dir, 'clip.mp4');
    for (const [first, last] of [
      [13, 41],
      [20, 27], // from a keyframe
    ] as const) {
      const r = await writeClip({
        sources: [source],
        firstPts: BigInt(pts[first]!),
        lastPts: BigInt(pts[last]!),
        target,
      });
      const wanted = pts.slice(first, last + 1).map((p) => p - pts[first]!);
      assert.equal(r.frames, wanted.length);
      // FFmpeg's decoder, the edit list applied.
      const shown = probe(target, 'frames').map((f) => f.pts);
      assert.deepEqual(shown, wanted, `frames ${first}..${last}`);
      // kadr's own reader: the packets outside the edit are not frames of the video.
      const input = await openVideoInput(target);
      try {
        const ix = await indexVideoPackets({
          format: input.format,
          streamIndex: input.info.streamIndex,
          name: 'clip',
        });
        assert.deepEqual(ix.pts.map(Number), wanted, `kadr's index of frames ${first}..${last}`);
      } finally {
        await input.close();
      }
      // Carried but not shown: decoded before the last wanted frame, presented after it.
      const carried = probe(target, 'packets').map((p) => p.pts);
      assert.ok(carried.length > wanted.length);
      assert.ok(carried.some((p) => p > wanted.at(-1)!));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
