/**
 * Test videos with a known number of faces, from the faces helper's generator
 * (test/integration/analytics/face-video.ts: photos pasted onto moving frames), plus a longer one
 * (the same clip N times, remuxed with shifted timestamps) that takes long enough to pause, and
 * broken inputs.
 */
import '../../../../src/core/polyfill.js';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Demuxer, Muxer } from 'node-av/api';
import { generateFaceVideo } from '../../analytics/face-video.js';

export interface TestVideo {
  name: string;
  data: Buffer;
  /** Face detections over all frames: what facesSoFar must end at. */
  faces: number;
  frames: number;
}

const CACHE = path.join(os.tmpdir(), `kadr-test-videos-${process.getuid?.() ?? 0}`);

export async function faceVideo(): Promise<TestVideo> {
  const truth = await generateFaceVideo(CACHE);
  return {
    name: 'faces.mp4',
    data: readFileSync(truth.file),
    faces: truth.facesPerFrame.reduce((a, b) => a + b, 0),
    frames: truth.frames,
  };
}

/** The face clip `times` times in a row (stream copy, timestamps shifted), for pause / restart tests. */
export async function longFaceVideo(times: number): Promise<TestVideo> {
  const truth = await generateFaceVideo(CACHE);
  const file = path.join(CACHE, `faces-x${times}.mp4`);
  if (!existsSync(file)) {
    mkdirSync(CACHE, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    const maxPts = truth.pts.reduce((a, b) => (b > a ? b : a), 0n);
    const step = maxPts + 18_000n; // a 200 ms gap keeps dts increasing across the B-frame delay
    const muxer = await Muxer.open(tmp, { format: 'mp4' });
    let out = -1;
    for (let k = 0n; k < BigInt(times); k++) {
      const input = await Demuxer.open(truth.file, { copyTs: true });
      const vs = input.video()!;
      if (out < 0) out = muxer.addStream(vs);
      for (const p of input.packetsSync(vs.index)) {
        if (!p) break;
        p.pts += k * step;
        p.dts += k * step;
        await muxer.writePacket(p, out);
        p.free();
      }
      await input.close();
    }
    await muxer.close();
    renameSync(tmp, file);
  }
  return {
    name: `faces-x${times}.mp4`,
    data: readFileSync(file),
    faces: times * truth.facesPerFrame.reduce((a, b) => a + b, 0),
    frames: times * truth.frames,
  };
}

/** An MP4 header followed by noise: looks like a video, decodes as nothing. */
export async function corruptVideo(): Promise<TestVideo> {
  const real = (await faceVideo()).data;
  return {
    name: 'corrupt.mp4',
    data: Buffer.concat([real.subarray(0, 48), randomBytes(64 * 1024)]),
    faces: 0,
    frames: 0,
  };
}

/** The first half of a real MP4 (its index, at the end, is missing). */
export async function truncatedVideo(): Promise<TestVideo> {
  const real = (await faceVideo()).data;
  return { name: 'truncated.mp4', data: real.subarray(0, Math.floor(real.length / 2)), faces: 0, frames: 0 };
}

export function textFile(): TestVideo {
  return { name: 'notes.txt', data: Buffer.from('this is not a video\n'.repeat(100)), faces: 0, frames: 0 };
}
