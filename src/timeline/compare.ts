/**
 * Original against recording at the same time t (each counted from its own first frame): both frames,
 * a labelled side-by-side picture, and whether the pictures are the same.
 */
import { comparePictures, type Frame, sideBySide, writeImage } from '../media/index.js';
import { type FrameAtInfo, type FrameAtResult, FrameLookup, type FrameLookupOptions } from './frame-at.js';
import { parseTimeMs, type TimeMs, timeMsToNumber } from './time.js';
import { refLabel, type VideoRef } from './video-ref.js';

export interface CompareResult {
  tMs: number;
  original: FrameAtInfo & { file: string };
  recording: FrameAtInfo & { file: string };
  identical: boolean;
  /** PSNR over Y, U and V in dB; null when the pictures are identical (infinite PSNR). */
  psnr: number | null;
  /** The recording had another size and was scaled to the original's for the comparison. */
  scaled: boolean;
  image?: string;
}

export function caption(video: VideoRef, r: FrameAtInfo): string {
  return `${refLabel(video)}  frame ${r.index}  pts ${(r.ptsMs / 1000).toFixed(3)} s`;
}

export function withoutFrame(r: FrameAtResult): FrameAtInfo {
  const { frame: _frame, ...info } = r;
  return info;
}

/** The comparison's result in words, as the picture shows it under the two frames. */
export function verdict(cmp: { identical: boolean; psnr: number; scaled: boolean }): string {
  if (cmp.identical) return 'identical pictures: every sample equal';
  const psnr = Number.isFinite(cmp.psnr) ? `PSNR ${cmp.psnr.toFixed(2)} dB` : 'PSNR inf';
  return `not identical: ${psnr} (Y, U, V)${cmp.scaled ? ', recording scaled to the original size' : ''}`;
}

/** Writes the labelled side-by-side image of two looked-up frames, with a footer line if given. */
export function writeSideBySide(
  a: { file: VideoRef; result: FrameAtResult },
  b: { file: VideoRef; result: FrameAtResult },
  out: string,
  footer?: string,
): void {
  let combined: Frame | undefined;
  try {
    combined = sideBySide(
      { frame: a.result.frame, caption: caption(a.file, a.result) },
      { frame: b.result.frame, caption: caption(b.file, b.result) },
      footer,
    );
    writeImage(combined, out);
  } finally {
    combined?.free();
  }
}

export async function compareAt(
  original: VideoRef,
  recording: VideoRef,
  time: TimeMs | string | number,
  options: FrameLookupOptions & { out?: string } = {},
): Promise<CompareResult> {
  const t = typeof time === 'object' ? time : parseTimeMs(time);
  const [la, lb] = [await FrameLookup.open(original, options), await FrameLookup.open(recording, options)];
  let a: FrameAtResult | undefined;
  let b: FrameAtResult | undefined;
  try {
    a = await la.at(t);
    b = await lb.at(t);
    const cmp = comparePictures(a.frame, b.frame);
    if (options.out)
      writeSideBySide(
        { file: original, result: a },
        { file: recording, result: b },
        options.out,
        verdict(cmp),
      );
    return {
      tMs: timeMsToNumber(t),
      original: { file: refLabel(original), ...withoutFrame(a) },
      recording: { file: refLabel(recording), ...withoutFrame(b) },
      identical: cmp.identical,
      psnr: Number.isFinite(cmp.psnr) ? Math.round(cmp.psnr * 1000) / 1000 : null,
      scaled: cmp.scaled,
      ...(options.out ? { image: options.out } : {}),
    };
  } finally {
    a?.frame.free();
    b?.frame.free();
    await la.close();
    await lb.close();
  }
}
