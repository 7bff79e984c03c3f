/**
 * Generates a VFR H.264 video in-process (libx264 inside node-av) whose every frame shows its own number:
 * the identity pattern across the top (machine-readable, see test-pattern.ts) and seven-segment digits of
 * the frame number and its PTS in milliseconds (human-readable). Used by `kadr demo` and the benches, so a
 * person can check any frame kadr returns by looking at it.
 *
 * Timestamps are set per frame from a seeded generator; the encoder takes the frame time base (no
 * framerate is given), which keeps every PTS exact (docs/media-pitfalls.md, "`Encoder.create(codec,
 * { decoder })` quantises time to the frame rate").
 */
import { Encoder, Muxer } from 'node-av/api';
import { AV_PIX_FMT_YUV420P, FF_ENCODER_LIBX264 } from 'node-av/constants';
import { Frame } from 'node-av/lib';
import { drawDigits, drawPatternNumber } from './test-pattern.js';

export interface SyntheticVideoSpec {
  width: number;
  height: number;
  frames: number;
  /** Ticks per second of the time base (1/timescale). */
  timescale: number;
  /** First PTS in ticks. */
  startTicks: number;
  /** Interval between frames: minTicks + a seeded random amount below spreadTicks. */
  minTicks: number;
  spreadTicks: number;
  seed: number;
  gop: number;
  bframes: number;
  /** Background hue shift so two demo videos look different. */
  hue: number;
}

/** Deterministic PRNG (mulberry32) so a spec always gives the same file. */
function rng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The yuv420p picture of frame `n` (its number as the pattern and as digits, with `ptsMs`). */
export function syntheticPicture(
  spec: Pick<SyntheticVideoSpec, 'width' | 'height' | 'hue'>,
  n: number,
  ptsMs: number,
): Buffer {
  const { width: w, height: h } = spec;
  const ySize = w * h;
  const cw = w / 2;
  const ch = h / 2;
  const buf = Buffer.alloc(ySize + 2 * cw * ch);
  const luma = buf.subarray(0, ySize);
  const band = Math.floor((2 * h) / 9);
  for (let y = band; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) luma[row + x] = 48 + ((x + y + 5 * n) & 127);
  }
  drawPatternNumber(luma, w, w, h, n);
  const digitH = Math.max(16, Math.floor(h / 6));
  const digitW = Math.floor(digitH * 0.55);
  const plateTop = band + Math.floor(h / 20);
  for (let y = plateTop - 6; y < plateTop + 2 * digitH + 24 && y < h; y++)
    luma.fill(16, y * w + 6, y * w + Math.min(w - 6, 6 + digitW * 12));
  drawDigits(luma, w, 14, plateTop, String(n).padStart(5, '0'), digitW, digitH);
  drawDigits(luma, w, 14, plateTop + digitH + 12, String(Math.round(ptsMs)).padStart(7, '0'), digitW, digitH);
  const u = buf.subarray(ySize, ySize + cw * ch);
  const v = buf.subarray(ySize + cw * ch);
  u.fill(128 + spec.hue);
  v.fill(128 - spec.hue);
  // a square moving across the picture gives the encoder real motion
  const side = Math.floor(ch / 4);
  const sx = (n * 3) % Math.max(1, cw - side);
  for (let y = ch - side - 2; y < ch - 2; y++) {
    u.fill(40, y * cw + sx, y * cw + sx + side);
    v.fill(220, y * cw + sx, y * cw + sx + side);
  }
  return buf;
}

export async function writeSyntheticVideo(
  file: string,
  spec: SyntheticVideoSpec,
  onProgress?: (done: number, total: number) => void,
): Promise<bigint[]> {
  const timeBase = { num: 1, den: spec.timescale };
  const encoder = await Encoder.create(FF_ENCODER_LIBX264, {
    context: { gopSize: spec.gop, maxBFrames: spec.bframes },
    options: { preset: 'veryfast', crf: 23, 'x264-params': 'scenecut=0' },
  });
  const muxer = await Muxer.open(file);
  const ptsList: bigint[] = [];
  try {
    const stream = muxer.addStream(encoder);
    const random = rng(spec.seed);
    let pts = spec.startTicks;
    const write = async (frame: Frame | null) => {
      for (const p of await encoder.encodeAll(frame)) {
        await muxer.writePacket(p, stream);
        p.free();
      }
    };
    for (let n = 0; n < spec.frames; n++) {
      const frame = Frame.fromVideoBuffer(syntheticPicture(spec, n, (pts * 1000) / spec.timescale), {
        width: spec.width,
        height: spec.height,
        format: AV_PIX_FMT_YUV420P,
        timeBase,
        pts: BigInt(pts),
      });
      ptsList.push(BigInt(pts));
      try {
        await write(frame);
      } finally {
        frame.free();
      }
      onProgress?.(n + 1, spec.frames);
      pts += spec.minTicks + Math.floor(random() * spec.spreadTicks);
    }
    await write(null);
  } finally {
    await muxer.close();
    encoder.close();
  }
  return ptsList;
}
