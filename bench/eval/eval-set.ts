/**
 * The labelled evaluation set in test/eval/ (test/eval/README.md says how it was made): which clips,
 * which frames of them carry labels, and reading the labels and those frames.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { VideoFrameReader } from '../../src/media/index.js';
import type { PlanarBgrFrame } from '../../src/media/frame-reader.js';

export const EVAL_DIR = path.resolve(import.meta.dirname, '../../test/eval');

/** A box in source pixels: x, y, width, height. */
export type LabelBox = [number, number, number, number];

export interface LabelledFrame {
  index: number;
  /** Every visible face; `id` says who it is (the same id in every clip is the same person). */
  faces: { box: LabelBox; id: string }[];
  /** Every visible person (at least about half of the body in the picture). */
  persons: LabelBox[];
  /** Regions where a detection counts neither as found nor as false (people mostly hidden, cut by the edge). */
  ignore?: LabelBox[];
}

export interface ClipLabels {
  clip: string;
  width: number;
  height: number;
  /** Every `step`-th frame (0, step, 2·step, …) is labelled. */
  step: number;
  frames: LabelledFrame[];
}

/** The clips of the set and the labelling step of each (frames at 10–12 fps: about 1 per second for long clips). */
export const CLIPS: { clip: string; step: number }[] = [
  { clip: 'face-demographics-walking.mp4', step: 3 },
  { clip: 'face-demographics-walking-and-pause.mp4', step: 3 },
  { clip: 'head-pose-face-detection-female-and-male.mp4', step: 3 },
  { clip: 'head-pose-face-detection-female.mp4', step: 3 },
  { clip: 'head-pose-face-detection-male.mp4', step: 3 },
  { clip: 'one-by-one-person-detection-0-70s.mp4', step: 10 },
  { clip: 'vtest-0-20s.mp4', step: 20 },
];

export const mediaPath = (clip: string) => path.join(EVAL_DIR, 'media', clip);
export const labelPath = (clip: string) => path.join(EVAL_DIR, 'labels', clip.replace(/\.mp4$/, '.json'));

export async function readLabels(clip: string): Promise<ClipLabels> {
  return JSON.parse(await readFile(labelPath(clip), 'utf8')) as ClipLabels;
}

/** Decodes the clip at full size and calls `fn` for every frame; `labelled` tells whether it is a labelled one. */
export async function forEachFrame(
  clip: string,
  step: number,
  fn: (frame: PlanarBgrFrame, labelled: boolean) => Promise<void>,
): Promise<{ width: number; height: number; total: number }> {
  const reader = await VideoFrameReader.open(mediaPath(clip));
  for await (const frame of reader.readPlanarBgr({ width: reader.width, height: reader.height })) {
    await fn(frame, frame.frameIndex % step === 0);
  }
  return { width: reader.width, height: reader.height, total: reader.totalFrames };
}
