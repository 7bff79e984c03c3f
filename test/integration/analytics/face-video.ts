/**
 * Generates a short H.264 MP4 whose face count per frame is known: face photos from
 * test/fixtures/faces (decoded and scaled by node-av) are pasted onto a moving background at known,
 * moving positions, with stretches without faces. Frame intervals alternate (VFR) and the encoder uses
 * B-frames, so presentation order and per-second bucketing by pts are both exercised.
 *
 * Photos are cropped around their face (crop boxes found once with the detector at full resolution
 * and written here) so that the faces are 70–110 px high in the video, where YuNet scores them well
 * above the 0.9 threshold; small, borderline faces would make "matches the truth" a coin toss.
 */
import '../../../src/core/polyfill.js';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { Encoder, Muxer } from 'node-av/api';
import { Frame } from 'node-av/lib';
import { AV_PIX_FMT_YUV420P, FF_ENCODER_LIBX264 } from 'node-av/constants';
import { loadPicture, type Picture } from './images.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/faces');

interface TileSource {
  file: string;
  faces: number;
  /** Crop (source pixels) around the face(s) and the tile size it is scaled to. */
  crop: { x: number; y: number; width: number; height: number };
  tile: { width: number; height: number };
}

// Face boxes at full resolution (x,y,w,h): b 211,41,75,98; c 183,120,170,213; d 131,45,137,190;
// f 442,53,134,174; pair 71,65,61,81 and 329,53,63,88.
const TILES: Record<string, TileSource> = {
  b: {
    file: 'person-b_1.png',
    faces: 1,
    crop: { x: 168, y: 10, width: 160, height: 160 },
    tile: { width: 160, height: 160 },
  },
  c: {
    file: 'person-c_1.jpg',
    faces: 1,
    crop: { x: 120, y: 60, width: 300, height: 340 },
    tile: { width: 150, height: 170 },
  },
  d: {
    file: 'person-d_1.png',
    faces: 1,
    crop: { x: 70, y: 10, width: 260, height: 280 },
    tile: { width: 150, height: 162 },
  },
  f: {
    file: 'person-f_1.jpg',
    faces: 1,
    crop: { x: 380, y: 10, width: 260, height: 280 },
    tile: { width: 150, height: 162 },
  },
  pair: {
    file: 'person-a_person-b_2.png',
    faces: 2,
    crop: { x: 30, y: 20, width: 400, height: 160 },
    tile: { width: 360, height: 144 },
  },
};

/** Which tiles are on screen in frame n, and where (top-left, even coordinates). */
interface Placement {
  tile: string;
  x: number;
  y: number;
}

export interface FaceVideoTruth {
  file: string;
  frames: number;
  timeBase: { num: number; den: number };
  /** pts of each frame in presentation order (ticks of timeBase, first = 0). */
  pts: bigint[];
  facesPerFrame: number[];
}

const W = 640;
const H = 360;
const TB = { num: 1, den: 90000 };
const even = (v: number) => Math.round(v / 2) * 2;

/** The schedule: 100 frames, 0–3 faces each, with empty stretches. */
export function schedule(n: number): Placement[] {
  const p: Placement[] = [];
  if (n >= 10 && n < 45) p.push({ tile: 'b', x: even(20 + (n - 10) * 8), y: 10 });
  if (n >= 30 && n < 60) p.push({ tile: 'c', x: even(440 - (n - 30) * 6), y: 186 });
  if (n >= 70 && n < 95) p.push({ tile: 'pair', x: even(10 + (n - 70) * 4), y: 20 });
  if (n >= 75 && n < 100) p.push({ tile: 'd', x: even(470 - (n - 75) * 3), y: 190 });
  if (n >= 80 && n < 92) p.push({ tile: 'f', x: even(40 + (n - 80) * 5), y: 190 });
  return p;
}
export const FRAME_COUNT = 110;

/** 30 ms and 50 ms intervals in a fixed pattern: 40 ms on average, never a constant rate. */
function ptsOf(n: number): bigint {
  // Every 3 frames take 4500 + 2700 + 2700 ticks.
  const whole = Math.floor(n / 3);
  const rest = n % 3;
  return BigInt(whole * 9900 + (rest > 0 ? 4500 : 0) + (rest > 1 ? 2700 : 0));
}

/** `frames` beyond FRAME_COUNT repeat the schedule (the benchmark wants longer videos). */
export async function generateFaceVideo(dir: string, frames = FRAME_COUNT): Promise<FaceVideoTruth> {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `faces-640x360-${frames}.mp4`);
  const pts = Array.from({ length: frames }, (_, n) => ptsOf(n));
  const facesPerFrame = pts.map((_, n) =>
    schedule(n % FRAME_COUNT).reduce((s, p) => s + TILES[p.tile]!.faces, 0),
  );
  const truth = { file, frames, timeBase: TB, pts, facesPerFrame };
  if (existsSync(file)) return truth;

  const tiles = new Map<string, Picture>();
  for (const [name, t] of Object.entries(TILES)) {
    tiles.set(name, await loadPicture(path.join(FIXTURES, t.file), 'yuv420p', t.tile, t.crop));
  }
  const encoder = await Encoder.create(FF_ENCODER_LIBX264, {
    context: { gopSize: 25, maxBFrames: 2 },
    options: { preset: 'veryfast', crf: 16, 'x264-params': 'scenecut=0' },
  });
  const tmp = `${file}.${process.pid}.tmp`;
  const muxer = await Muxer.open(tmp, { format: 'mp4' });
  const out = muxer.addStream(encoder);
  const yuv = Buffer.alloc((W * H * 3) / 2);
  for (let n = 0; n < frames; n++) {
    drawBackground(yuv, n);
    for (const p of schedule(n % FRAME_COUNT)) paste(yuv, tiles.get(p.tile)!, p.x, p.y);
    const frame = Frame.fromVideoBuffer(yuv, {
      width: W,
      height: H,
      format: AV_PIX_FMT_YUV420P,
      timeBase: TB,
      pts: pts[n]!,
    });
    for (const packet of await encoder.encodeAll(frame)) {
      await muxer.writePacket(packet, out);
      packet.free();
    }
    frame.free();
  }
  for (const packet of await encoder.encodeAll(null)) {
    await muxer.writePacket(packet, out);
    packet.free();
  }
  await muxer.close();
  encoder.close();
  renameSync(tmp, file);
  return truth;
}

/** A smooth diagonal gradient that drifts with n, in yuv420p. */
function drawBackground(yuv: Buffer, n: number): void {
  for (let y = 0; y < H; y++) {
    const row = y * W;
    for (let x = 0; x < W; x++) yuv[row + x] = 40 + ((x + 2 * y + 3 * n) % 512) / 4;
  }
  const c = W * H;
  yuv.fill(120 + (n % 16), c, c + (W * H) / 4);
  yuv.fill(136 - (n % 16), c + (W * H) / 4);
}

function paste(yuv: Buffer, tile: Picture, x: number, y: number): void {
  const [py, pu, pv] = tile.planes as [Buffer, Buffer, Buffer];
  for (let r = 0; r < tile.height && y + r < H; r++) {
    const w = Math.min(tile.width, W - x);
    py.copy(yuv, (y + r) * W + x, r * tile.width, r * tile.width + w);
  }
  const cw = W / 2;
  const tw = tile.width / 2;
  for (const [plane, base] of [
    [pu, W * H],
    [pv, W * H + (W * H) / 4],
  ] as const) {
    for (let r = 0; r < tile.height / 2 && y / 2 + r < H / 2; r++) {
      const w = Math.min(tw, cw - x / 2);
      plane.copy(yuv, base + (y / 2 + r) * cw + x / 2, r * tw, r * tw + w);
    }
  }
}
