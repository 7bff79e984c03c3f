/**
 * The frame index of a video: every displayed frame in presentation order with its exact PTS (ticks of
 * the stream's rational time base), keyframe flag, decode position and byte position. Built once by
 * reading packets only, no decoding, when the container gives every packet a PTS (MP4, Matroska, WebM);
 * otherwise by decoding once; a recording's index is written by the recorder as it records
 * (recorded-index.ts). Look-ups are then a binary search plus a short decode from a keyframe. Stored
 * as JSON by frame-index-file.ts.
 */
import type { Rational } from '../core/rational.js';
import { ticksToMs } from '../core/rational.js';
import { KadrError } from '../core/errors.js';
import {
  displayName,
  scanVideoPackets,
  type ScannedPacket,
  type VideoInput,
  VideoDecoder,
} from '../media/index.js';

export interface FrameIndex {
  location: string;
  codec: string;
  width: number;
  height: number;
  timeBase: Rational;
  /** PTS of each displayed frame, presentation order, strictly increasing. */
  pts: bigint[];
  /** Keyframe flag per frame (presentation order). */
  key: boolean[];
  /** Decode position of each frame (presentation index -> position in the packet stream). */
  decodeOrder: number[];
  /** Byte position of each frame's packet, -1 when unknown. */
  pos: number[];
  /** How long the last frame is shown, in ticks (its packet duration, else the previous interval). */
  lastDurationTicks: bigint;
  builtBy: 'packets' | 'decode' | 'recorder';
  /** The clocks a live source gave each frame; recordings only. */
  clocks?: RecordedClocks;
}

/** Per frame, in presentation order, what a live source said about when it was shown. */
export interface RecordedClocks {
  /** When kadr received the frame (ms since 1970, local clock). */
  receivedAtMs: number[];
  /**
   * The source's wallclock for the frame (ms since 1970) from RTCP sender reports (RFC 3550 §6.4.1);
   * null when the recording saw no sender report.
   */
  ntpMs: (number | null)[];
  /** The first frame whose wallclock came with it (not derived from a neighbour's). */
  anchor: { ptsTicks: bigint; ntpMs: number } | null;
  /** Frames whose PTS the source did not carry and kadr estimated. */
  estimatedPts: number[];
}

export interface BuildProgress {
  (done: number, total: number): void;
}

/** Ticks from the first frame to the end of the last one. */
export function durationTicks(index: FrameIndex): bigint {
  const n = index.pts.length;
  return n === 0 ? 0n : index.pts[n - 1]! - index.pts[0]! + index.lastDurationTicks;
}

export function durationMs(index: FrameIndex): number {
  return ticksToMs(durationTicks(index), index.timeBase);
}

export async function buildFrameIndexFromPackets(
  input: VideoInput,
  fileSize: number,
  onProgress?: BuildProgress,
): Promise<FrameIndex | null> {
  const packets: (ScannedPacket & { decodePos: number })[] = [];
  let usable = true;
  await scanVideoPackets(
    { format: input.format, streamIndex: input.info.streamIndex, name: displayName(input.location) },
    (p) => {
      if (p.pts === null) usable = false;
      if (!p.discard) packets.push({ ...p, decodePos: packets.length });
    },
    onProgress && fileSize > 0 ? { onProgress: (bytes) => onProgress(bytes, fileSize) } : {},
  );
  if (!usable) return null; // some packet has no PTS (e.g. raw streams): the caller decodes instead
  packets.sort((a, b) => (a.pts! < b.pts! ? -1 : a.pts! > b.pts! ? 1 : 0));
  for (let i = 1; i < packets.length; i++) {
    // Two packets with one PTS cannot both be displayed frames (e.g. field pairs): decode instead.
    if (packets[i]!.pts === packets[i - 1]!.pts) return null;
  }
  const last = packets.at(-1);
  const prev = packets.at(-2);
  const lastDuration = last && last.duration > 0n ? last.duration : last && prev ? last.pts! - prev.pts! : 1n;
  return {
    location: input.location,
    codec: input.info.codec,
    width: input.info.width,
    height: input.info.height,
    timeBase: input.info.timeBase,
    pts: packets.map((p) => p.pts!),
    key: packets.map((p) => p.key),
    decodeOrder: packets.map((p) => p.decodePos),
    pos: packets.map((p) => Number(p.pos)),
    lastDurationTicks: lastDuration,
    builtBy: 'packets',
  };
}

/** Fallback: decode every frame once and take its best-effort timestamp, as ffprobe -show_frames does. */
export async function buildFrameIndexByDecoding(
  location: string,
  onProgress?: BuildProgress,
): Promise<FrameIndex> {
  const decoder = await VideoDecoder.open(location);
  try {
    const pts: bigint[] = [];
    const key: boolean[] = [];
    const declared = decoder.input.info.declaredFrames;
    decoder.seek(-(2n ** 62n));
    const take = () => {
      for (let f = decoder.receive(); f; f = decoder.receive()) {
        pts.push(f.pts);
        key.push(Boolean(f.keyFrame));
        f.free();
      }
    };
    while (decoder.nextPacket()) {
      decoder.decodeCurrent();
      take();
      if (onProgress && declared > 0) onProgress(pts.length, declared);
    }
    decoder.drain();
    take();
    for (let i = 1; i < pts.length; i++) {
      if (pts[i]! <= pts[i - 1]!) {
        throw new KadrError(
          'KADR_ERR_INPUT_CORRUPT',
          `${displayName(location)}: frame ${i} does not come after frame ${i - 1}`,
          {
            hint: 'the timestamps in this file are broken; remux it with fresh timestamps',
          },
        );
      }
    }
    const n = pts.length;
    const info = decoder.input.info;
    return {
      location,
      codec: info.codec,
      width: info.width,
      height: info.height,
      timeBase: info.timeBase,
      pts,
      key,
      decodeOrder: pts.map((_, i) => i),
      pos: pts.map(() => -1),
      lastDurationTicks: n >= 2 ? pts[n - 1]! - pts[n - 2]! : 1n,
      builtBy: 'decode',
    };
  } finally {
    await decoder.close();
  }
}

/** Presentation index of the frame displayed at `deltaTicks` after the first frame: binary search. */
export function frameIndexAtTicks(index: FrameIndex, le: (deltaTicks: bigint) => boolean): number {
  const first = index.pts[0];
  if (first === undefined) return -1;
  let lo = 0;
  let hi = index.pts.length - 1;
  let answer = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (le(index.pts[mid]! - first)) {
      answer = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return answer;
}

const keyframesByDecode = new WeakMap<FrameIndex, number[]>();

/** Presentation indices of the keyframes, sorted by decode position (computed once per index). */
function keyframeList(index: FrameIndex): number[] {
  let list = keyframesByDecode.get(index);
  if (!list) {
    list = [];
    for (let i = 0; i < index.pts.length; i++) if (index.key[i]) list.push(i);
    list.sort((a, b) => index.decodeOrder[a]! - index.decodeOrder[b]!);
    keyframesByDecode.set(index, list);
  }
  return list;
}

/**
 * The keyframe to start decoding from to reach presentation frame `target`: the last keyframe before it
 * in decode order whose PTS is not after it. The PTS condition matters for open GOPs, whose leading
 * pictures follow their keyframe in decode order but are shown before it and need the previous GOP.
 */
export function seekKeyframeFor(index: FrameIndex, target: number): number {
  const targetDecode = index.decodeOrder[target]!;
  const targetPts = index.pts[target]!;
  const keys = keyframeList(index);
  let lo = 0;
  let hi = keys.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (index.decodeOrder[keys[mid]!]! <= targetDecode) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  while (at >= 0 && index.pts[keys[at]!]! > targetPts) at--;
  return at >= 0 ? keys[at]! : -1;
}
