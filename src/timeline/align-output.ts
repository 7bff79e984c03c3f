/**
 * What an alignment is for: a copy of every input that starts at the common instant, and one picture of
 * all inputs at one common time. The copies are cut without re-encoding by writeClip: its first
 * displayed frame is the frame at the common instant (the nearest one: see nearestFrame), whatever
 * the keyframe interval, through an edit list.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { ticksToMs } from '../core/rational.js';
import path from 'node:path';
import { type Frame, mosaic, writeClip, writeImage } from '../media/index.js';
import type { AlignInput, AlignResult } from './align.js';
import type { FrameIndex } from './frame-index.js';
import { FrameLookup, resolveTime, type FrameLookupOptions } from './frame-at.js';
import { parseTimeMs } from './time.js';
import { refLabel, refLocation } from './video-ref.js';

export interface AlignedCopy {
  file: string;
  out: string;
  /** The first frame shown: its presentation index and PTS in the input, ms after its first frame. */
  firstFrameIndex: number;
  firstFrameSinceFirstMs: number;
  /** How long before the common instant that frame began, ms (within half a frame interval either way). */
  firstFrameLeadMs: number;
  frames: number;
}

export interface AlignOutputs {
  copies: AlignedCopy[];
  mosaic: string;
  /** The mosaic's time: ms after the common instant. */
  mosaicAtMs: number;
}

export interface AlignOutputOptions extends Pick<FrameLookupOptions, 'onProgress'> {
  mosaicAtMs?: number;
  /** 'jpg' (default) or 'png'. */
  mosaicFormat?: 'jpg' | 'png';
  signal?: AbortSignal;
  onCopyProgress?: (file: string, packetsRead: number) => void;
}

function stem(name: string): string {
  return (
    refLabel(name)
      .split('/')
      .pop()!
      .replace(/\.[^.]*$/, '')
      .replace(/[^A-Za-z0-9._-]+/g, '_') || 'video'
  );
}

export async function writeAlignOutputs(
  inputs: readonly AlignInput[],
  result: AlignResult,
  outDir: string,
  options: AlignOutputOptions = {},
): Promise<AlignOutputs> {
  mkdirSync(outDir, { recursive: true });
  const mosaicAtMs = options.mosaicAtMs ?? 0;
  const used = new Set<string>();
  const copies: AlignedCopy[] = [];
  const shots: { frame: Frame; caption: string }[] = [];
  try {
    for (const [j, input] of inputs.entries()) {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
      const offset = result.offsets[j]!;
      let name = `${stem(input.name)}.aligned.mp4`;
      for (let n = 2; used.has(name); n++) name = `${stem(input.name)}-${n}.aligned.mp4`;
      used.add(name);
      const out = path.join(outDir, name);
      const lookup = await FrameLookup.open(input.ref, { onProgress: options.onProgress });
      try {
        const ix = lookup.index;
        const first = nearestFrame(ix, offset.offsetMs);
        const sinceFirst = ticksToMs(ix.pts[first]! - ix.pts[0]!, ix.timeBase);
        try {
          const clip = await writeClip({
            sources: [refLocation(input.ref)],
            firstPts: ix.pts[first]!,
            lastPts: ix.pts[ix.pts.length - 1]!,
            target: out,
            onProgress: (read) => options.onCopyProgress?.(input.name, read),
          });
          copies.push({
            file: input.name,
            out,
            firstFrameIndex: first,
            firstFrameSinceFirstMs: round3(sinceFirst),
            firstFrameLeadMs: round3(offset.offsetMs - sinceFirst),
            frames: clip.frames,
          });
        } catch (error) {
          if (existsSync(out)) rmSync(out, { force: true });
          throw error;
        }
        const at = await lookup.decodeFrame(nearestFrame(ix, offset.offsetMs + mosaicAtMs));
        shots.push({ frame: at.frame, caption: `${refLabel(input.ref)}  frame ${at.index}` });
      } finally {
        await lookup.close();
      }
    }
    const picture = mosaic(shots);
    const file = path.join(
      outDir,
      `mosaic-t${String(mosaicAtMs).replace('.', '_')}.${options.mosaicFormat ?? 'jpg'}`,
    );
    try {
      writeImage(picture, file);
    } finally {
      picture.free();
    }
    return { copies, mosaic: file, mosaicAtMs };
  } finally {
    for (const s of shots) s.frame.free();
  }
}

/**
 * The frame nearest to t (ms after the first frame). An offset is an estimate, and the common instant
 * is itself a frame's start (the latest-starting input's first frame): the frame "at or before" it
 * would turn an estimate a hair early into a whole frame early, so the nearest frame is taken.
 */
export function nearestFrame(ix: FrameIndex, tMs: number): number {
  const at = resolveTime(ix, parseTimeMs(Math.max(0, tMs).toFixed(3)));
  if (at + 1 >= ix.pts.length) return at;
  const ms = (i: number) => ticksToMs(ix.pts[i]! - ix.pts[0]!, ix.timeBase);
  return ms(at + 1) - tMs < tMs - ms(at) ? at + 1 : at;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
