/**
 * The same moment t in two videos: how many frames each had to skip to reach t (the frame's presentation
 * index), the frame's PTS, a snapshot of each and one side-by-side picture, and a log of it all.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { writeImage } from '../media/index.js';
import { withoutFrame, writeSideBySide } from './compare.js';
import { type FrameAtInfo, type FrameAtResult, FrameLookup, type FrameLookupOptions } from './frame-at.js';
import { parseTimeMs, type TimeMs, timeMsToNumber } from './time.js';
import { refLabel, type VideoRef } from './video-ref.js';

export interface MomentSide extends FrameAtInfo {
  file: string;
  /** Frames skipped to reach t: the presentation index of the frame shown at t. */
  skipped: number;
  snapshot: string;
}

export interface SameMomentResult {
  tMs: number;
  a: MomentSide;
  b: MomentSide;
  sideBySide: string;
  log: string;
  logLines: string[];
}

function safeStem(video: VideoRef): string {
  return (
    refLabel(video)
      .split('/')
      .pop()!
      .replace(/\.[^.]*$/, '')
      .replace(/[^A-Za-z0-9._-]+/g, '_') || 'video'
  );
}

export function momentLogLine(label: string, file: VideoRef, tMs: number, r: FrameAtInfo): string {
  return (
    `${label}: ${refLabel(file)}: skipped ${r.index} frames to reach ${tMs} ms; ` +
    `frame ${r.index} has pts ${r.ptsTicks} (${r.ptsMs.toFixed(3)} ms, time base ${r.timeBase.num}/${r.timeBase.den}), ` +
    `shown from ${r.sinceFirstMs.toFixed(3)} ms after the first frame`
  );
}

export async function sameMoment(
  fileA: VideoRef,
  fileB: VideoRef,
  time: TimeMs | string | number,
  outDir: string,
  options: FrameLookupOptions & { imageFormat?: 'png' | 'jpg' } = {},
): Promise<SameMomentResult> {
  const t = typeof time === 'object' ? time : parseTimeMs(time);
  const tMs = timeMsToNumber(t);
  const ext = options.imageFormat ?? 'png';
  const la = await FrameLookup.open(fileA, options);
  const lb = await FrameLookup.open(fileB, options);
  let a: FrameAtResult | undefined;
  let b: FrameAtResult | undefined;
  try {
    a = await la.at(t);
    b = await lb.at(t);
    mkdirSync(outDir, { recursive: true });
    const stamp = String(tMs).replace('.', '_');
    const snapA = path.join(outDir, `a-${safeStem(fileA)}-t${stamp}-frame${a.index}.${ext}`);
    const snapB = path.join(outDir, `b-${safeStem(fileB)}-t${stamp}-frame${b.index}.${ext}`);
    const both = path.join(outDir, `side-by-side-t${stamp}.${ext}`);
    writeImage(a.frame, snapA);
    writeImage(b.frame, snapB);
    writeSideBySide({ file: fileA, result: a }, { file: fileB, result: b }, both);
    const logLines = [momentLogLine('a', fileA, tMs, a), momentLogLine('b', fileB, tMs, b)];
    const log = path.join(outDir, 'same-moment.log');
    appendFileSync(
      log,
      `${new Date().toISOString()} t=${tMs} ms\n${logLines.map((l) => `  ${l}`).join('\n')}\n`,
    );
    return {
      tMs,
      a: { file: refLabel(fileA), ...withoutFrame(a), skipped: a.index, snapshot: snapA },
      b: { file: refLabel(fileB), ...withoutFrame(b), skipped: b.index, snapshot: snapB },
      sideBySide: both,
      log,
      logLines,
    };
  } finally {
    a?.frame.free();
    b?.frame.free();
    await la.close();
    await lb.close();
  }
}
