/**
 * Generates short H.264 videos in which known people (the face photos in test/fixtures/faces) move,
 * grow and shrink, leave and come back, so that the number of distinct people is known. Each photo
 * is cropped to a square around its face (found with YuNet), then scaled by FFmpeg to a few tile
 * sizes; frames paste the tile of the size the schedule asks for. Cached under .cache/.
 */
import '../../../src/core/polyfill.js';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { Encoder, Muxer } from 'node-av/api';
import { Frame } from 'node-av/lib';
import { AV_PIX_FMT_YUV420P, FF_ENCODER_LIBX264 } from 'node-av/constants';
import { FaceDetector } from '../../../src/analytics/index.js';
import { loadPicture, type Picture } from '../analytics/images.js';
import { FACES_DIR } from './photo-faces.js';

const W = 640;
const H = 360;
const TB = { num: 1, den: 90000 };
const TILE_SIZES = [96, 120, 144, 168] as const;
export const CACHE_DIR = path.resolve(import.meta.dirname, '../../../.cache/profiles');

/** On screen in frame n: which photo, where (top-left) and how large (a TILE_SIZES entry). */
export interface Appearance {
  photo: string;
  from: number;
  to: number;
  at(n: number): { x: number; y: number; size: number };
}

export interface PeopleVideo {
  file: string;
  frames: number;
  /** The photos shown, each one person. */
  photos: string[];
}

const even = (v: number) => Math.round(v / 2) * 2;
const sizeAt = (k: number) => TILE_SIZES[Math.min(TILE_SIZES.length - 1, Math.max(0, k))]!;

/** Video 1: three people; person-c leaves at frame 45 and comes back at frame 85, elsewhere. */
export const VIDEO_1: Appearance[] = [
  {
    photo: 'person-c_1.jpg',
    from: 0,
    to: 45,
    at: (n) => ({ x: even(10 + n * 4), y: 20, size: sizeAt(Math.floor(n / 12)) }),
  },
  {
    photo: 'person-f_1.jpg',
    from: 15,
    to: 70,
    at: (n) => ({ x: even(460 - (n - 15) * 3), y: 180, size: sizeAt(3 - Math.floor((n - 15) / 15)) }),
  },
  {
    photo: 'person-d_1.png',
    from: 50,
    to: 110,
    at: (n) => ({
      x: even(250 + (n - 50) * 2),
      y: even(10 + (n - 50)),
      size: sizeAt(1 + Math.floor((n - 50) / 20)),
    }),
  },
  {
    photo: 'person-c_1.jpg',
    from: 85,
    to: 120,
    at: (n) => ({ x: even(30 + (n - 85) * 2), y: 190, size: sizeAt(2) }),
  },
];
/** Video 2: person-f again (must join the profile from video 1) and person-e, new. */
export const VIDEO_2: Appearance[] = [
  { photo: 'person-f_1.jpg', from: 0, to: 50, at: (n) => ({ x: even(40 + n * 3), y: 40, size: sizeAt(2) }) },
  {
    photo: 'person-e_1.jpg',
    from: 20,
    to: 70,
    at: (n) => ({ x: even(450 - (n - 20) * 2), y: 170, size: sizeAt(1 + Math.floor((n - 20) / 20)) }),
  },
];

/** Video 3: person-g alone, for two uploads processed at the same time. */
export const VIDEO_3: Appearance[] = [
  { photo: 'person-g_1.jpg', from: 0, to: 40, at: (n) => ({ x: even(100 + n * 4), y: 60, size: sizeAt(2) }) },
];

async function tiles(detector: FaceDetector, photo: string): Promise<Map<number, Picture>> {
  const file = path.join(FACES_DIR, photo);
  const full = await loadPicture(file, 'bgr24');
  const faces = await detector.detect(full.planes[0]!, full.width, full.height);
  if (faces.length !== 1) throw new Error(`${photo}: expected one face, found ${faces.length}`);
  const f = faces[0]!;
  const side = even(Math.min(Math.max(f.width, f.height) * 1.9, full.width, full.height));
  const x = even(Math.min(full.width - side, Math.max(0, f.x + f.width / 2 - side / 2)));
  const y = even(Math.min(full.height - side, Math.max(0, f.y + f.height / 2 - side / 2)));
  const out = new Map<number, Picture>();
  for (const s of TILE_SIZES) {
    out.set(
      s,
      await loadPicture(file, 'yuv420p', { width: s, height: s }, { x, y, width: side, height: side }),
    );
  }
  return out;
}

export async function generatePeopleVideo(
  name: string,
  schedule: Appearance[],
  frames = 120,
): Promise<PeopleVideo> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const file = path.join(CACHE_DIR, `${name}.mp4`);
  const photos = [...new Set(schedule.map((a) => a.photo))];
  const result = { file, frames, photos };
  if (existsSync(file)) return result;
  const detector = await FaceDetector.create();
  const pictures = new Map<string, Map<number, Picture>>();
  try {
    for (const p of photos) pictures.set(p, await tiles(detector, p));
  } finally {
    await detector.close();
  }
  const encoder = await Encoder.create(FF_ENCODER_LIBX264, {
    context: { gopSize: 30, maxBFrames: 2 },
    options: { preset: 'veryfast', crf: 18 },
  });
  const tmp = `${file}.${process.pid}.tmp.mp4`;
  const muxer = await Muxer.open(tmp, { format: 'mp4' });
  const stream = muxer.addStream(encoder);
  const yuv = Buffer.alloc((W * H * 3) / 2);
  let pts = 0n;
  for (let n = 0; n < frames; n++) {
    background(yuv, n);
    for (const a of schedule) {
      if (n < a.from || n >= a.to) continue;
      const { x, y, size } = a.at(n);
      paste(yuv, pictures.get(a.photo)!.get(size)!, x, y);
    }
    const frame = Frame.fromVideoBuffer(yuv, {
      width: W,
      height: H,
      format: AV_PIX_FMT_YUV420P,
      timeBase: TB,
      pts,
    });
    pts += n % 2 === 0 ? 3000n : 4500n; // 33 and 50 ms: VFR
    for (const packet of await encoder.encodeAll(frame)) {
      await muxer.writePacket(packet, stream);
      packet.free();
    }
    frame.free();
  }
  for (const packet of await encoder.encodeAll(null)) {
    await muxer.writePacket(packet, stream);
    packet.free();
  }
  await muxer.close();
  encoder.close();
  renameSync(tmp, file);
  return result;
}

function background(yuv: Buffer, n: number): void {
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) yuv[y * W + x] = 60 + ((x + y + 2 * n) % 256) / 3;
  yuv.fill(128, W * H);
}

function paste(yuv: Buffer, tile: Picture, x: number, y: number): void {
  const [py, pu, pv] = tile.planes as [Buffer, Buffer, Buffer];
  const rows = Math.min(tile.height, H - y);
  const cols = Math.min(tile.width, W - x);
  for (let r = 0; r < rows; r++) py.copy(yuv, (y + r) * W + x, r * tile.width, r * tile.width + cols);
  for (const [plane, base] of [
    [pu, W * H],
    [pv, W * H + (W * H) / 4],
  ] as const) {
    for (let r = 0; r < rows / 2; r++) {
      plane.copy(
        yuv,
        base + (y / 2 + r) * (W / 2) + x / 2,
        r * (tile.width / 2),
        r * (tile.width / 2) + cols / 2,
      );
    }
  }
}
