import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { writeClip } from './clip-writer.js';
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
