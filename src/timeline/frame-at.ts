/**
 * The frame displayed at time t: the last frame in presentation order whose PTS is at or before
 * first PTS + t. Found by binary search in the frame index, then decoded exactly: seek to the keyframe
 * that leads to it, decode forward, stop when the frame with exactly that PTS comes out.
 */
import { KadrError } from '../core/errors.js';
import { ticksToMs } from '../core/rational.js';
import { displayName, type Frame, VideoDecoder } from '../media/index.js';
import {
  durationMs,
  durationTicks,
  type FrameIndex,
  frameIndexAtTicks,
  seekKeyframeFor,
} from './frame-index.js';
import { getFrameIndex, type GetIndexOptions, type IndexSource } from './index-cache.js';
import { parseTimeMs, ticksAtOrBefore, type TimeMs, timeMsToNumber } from './time.js';
import { refCacheKey, refLocation, type VideoRef } from './video-ref.js';

export interface FrameAtInfo {
  /** 0-based presentation index: the number of frames skipped to reach this one. */
  index: number;
  /** The frame's PTS in stream ticks, and as milliseconds (as the file has it, not shifted). */
  ptsTicks: bigint;
  ptsMs: number;
  /** Milliseconds after the first frame. */
  sinceFirstMs: number;
  timeBase: { num: number; den: number };
  keyframe: boolean;
  /** Presentation index of the keyframe the decode started from. */
  startKeyframeIndex: number;
  /**
   * Packets handed to the decoder from the keyframe until this frame came out (unreferenced frames among
   * them are dropped by the decoder without being reconstructed).
   */
  packetsDecoded: number;
  /** Pictures the decoder produced on the way, this one included. */
  framesDecoded: number;
  /** Packets read after the seek and skipped without decoding to reach the keyframe. */
  packetsSkipped: number;
  indexSource: IndexSource;
}

export interface FrameAtResult extends FrameAtInfo {
  /** The decoded picture; the caller frees it. */
  frame: Frame;
}

export interface FrameLookupOptions extends GetIndexOptions {
  /** Decoder threads (0 = FFmpeg's choice). */
  threads?: number;
  /**
   * Let the decoder drop frames nobody references on the way to the target (B-frames in most streams).
   * Pictures are unchanged: a dropped frame is one no later frame needs.
   */
  skipUnreferenced?: boolean;
}

/** Checks t against the video and returns the presentation index shown at t. */
export function resolveTime(index: FrameIndex, t: TimeMs): number {
  if (index.pts.length === 0) {
    throw new KadrError('KADR_ERR_INPUT_NO_VIDEO', `${displayName(index.location)} has no frames`);
  }
  if (ticksAtOrBefore(durationTicks(index), index.timeBase, t)) {
    throw new KadrError(
      'KADR_ERR_TIME_PAST_END',
      `time ${timeMsToNumber(t)} ms is past the end of ${displayName(index.location)} (${durationMs(index).toFixed(3)} ms long)`,
      { hint: `give a time from 0 to below ${durationMs(index).toFixed(3)}` },
    );
  }
  return frameIndexAtTicks(index, (delta) => ticksAtOrBefore(delta, index.timeBase, t));
}

/** Holds an open decoder and the index of one video, for many look-ups in a row. */
export class FrameLookup {
  private constructor(
    readonly index: FrameIndex,
    readonly indexSource: IndexSource,
    private readonly decoder: VideoDecoder,
    private readonly options: FrameLookupOptions,
  ) {}

  static async open(ref: VideoRef, options: FrameLookupOptions = {}): Promise<FrameLookup> {
    const location = refLocation(ref);
    const cacheKey = refCacheKey(ref) ?? options.cacheKey;
    const { index, source } = await getFrameIndex(location, {
      ...options,
      ...(cacheKey ? { cacheKey } : {}),
    });
    const decoder = await VideoDecoder.open(location, { threads: options.threads ?? 0 });
    return new FrameLookup(index, source, decoder, options);
  }

  get location(): string {
    return this.index.location;
  }

  async at(time: TimeMs | string | number): Promise<FrameAtResult> {
    const t = typeof time === 'object' ? time : parseTimeMs(time);
    return this.decodeFrame(resolveTime(this.index, t));
  }

  /**
   * Decodes presentation frame `target` exactly. `onPassing` takes the other pictures decoded on the
   * way (it owns them and frees them): a stepper keeps them so that a step back needs no decode.
   */
  async decodeFrame(target: number, onPassing?: (frame: Frame) => void): Promise<FrameAtResult> {
    this.onPassing = onPassing;
    const ix = this.index;
    const targetPts = ix.pts[target];
    if (targetPts === undefined)
      throw new KadrError('KADR_ERR_INTERNAL', `frame ${target} is not in the index`);
    const startKey = seekKeyframeFor(ix, target);
    if (startKey < 0) {
      throw new KadrError(
        'KADR_ERR_INPUT_CORRUPT',
        `${displayName(ix.location)} has no keyframe before frame ${target}`,
      );
    }
    const keyPts = ix.pts[startKey]!;
    const keyDecode = ix.decodeOrder[startKey]!;
    const targetDecode = ix.decodeOrder[target]!;
    // Stepping forward (the next frame, a moment later in the same GOP) is cheaper from where the
    // decoder already is than from the keyframe: continue when the target's packet is still ahead.
    const attempts: (bigint | 'continue')[] = [keyPts, -(2n ** 62n)];
    const ahead =
      this.lastSent !== null &&
      targetDecode > this.lastSent &&
      targetDecode - this.lastSent < targetDecode - keyDecode;
    // With B-frames the next frame's packet was often sent already (a P-frame goes before the
    // B-frames shown ahead of it) and its picture waits in the decoder: it comes out next, in
    // presentation order, unless it came out already or was dropped as unreferenced.
    const pending =
      this.lastSent !== null &&
      targetDecode <= this.lastSent &&
      this.startDecode <= keyDecode &&
      this.lastOutPts !== null &&
      targetPts > this.lastOutPts &&
      this.options.skipUnreferenced !== true;
    if (ahead || pending) attempts.unshift('continue');
    // Demuxers seek on their own index (MP4: decode timestamps); with B-frames and VFR the seek can land
    // a GOP early. Packets before our keyframe are skipped unread by the decoder; landing late is
    // detected by decode position and answered by reading from the start.
    for (const seekTo of attempts) {
      const found = this.decodeFrom(seekTo, keyPts, keyDecode, targetPts);
      if (found === 'overshot') continue;
      if (!found) break;
      return {
        index: target,
        ptsTicks: targetPts,
        ptsMs: ticksToMs(targetPts, ix.timeBase),
        sinceFirstMs: ticksToMs(targetPts - ix.pts[0]!, ix.timeBase),
        timeBase: ix.timeBase,
        keyframe: ix.key[target]!,
        startKeyframeIndex: seekTo === 'continue' ? this.lastStartKey : startKey,
        packetsDecoded: found.packetsDecoded,
        framesDecoded: found.framesDecoded,
        packetsSkipped: found.packetsSkipped,
        indexSource: this.indexSource,
        frame: found.frame,
      };
    }
    throw new KadrError(
      'KADR_ERR_INPUT_CORRUPT',
      `${displayName(ix.location)}: frame ${target} could not be decoded`,
      {
        hint: 'the file may be damaged near that time',
      },
    );
  }

  /** Decode position of the last packet sent to the decoder, while continuing from it is possible. */
  private lastSent: number | null = null;
  private lastStartKey = -1;
  /** Decode position of the keyframe the decoder started from, and the PTS of its latest picture. */
  private startDecode = Number.MAX_SAFE_INTEGER;
  private lastOutPts: bigint | null = null;
  private framesOut = 0;
  private onPassing: ((frame: Frame) => void) | undefined;

  private decodeFrom(
    seekTo: bigint | 'continue',
    keyPts: bigint,
    keyDecode: number,
    targetPts: bigint,
  ):
    | { frame: Frame; packetsDecoded: number; framesDecoded: number; packetsSkipped: number }
    | 'overshot'
    | null {
    const dec = this.decoder;
    const decodePosOf = this.decodePositions();
    let started = seekTo === 'continue';
    let packetsDecoded = 0;
    let skipped = 0;
    this.framesOut = 0;
    if (seekTo !== 'continue') {
      dec.seek(seekTo);
      this.lastSent = null;
      this.lastOutPts = null;
      this.startDecode = Number.MAX_SAFE_INTEGER;
    }
    for (let p = dec.nextPacket(); p; p = dec.nextPacket()) {
      const pos = p.pts === null ? undefined : decodePosOf.get(p.pts);
      if (!started) {
        if (p.pts === keyPts && p.key) {
          started = true;
          this.lastStartKey = this.index.pts.indexOf(keyPts);
          this.startDecode = keyDecode;
        } else {
          if (pos !== undefined && pos > keyDecode) return 'overshot';
          skipped++;
          continue;
        }
      }
      dec.decodeCurrent(this.options.skipUnreferenced === true && p.pts !== targetPts);
      packetsDecoded++;
      if (pos !== undefined) this.lastSent = pos;
      const frame = this.take(targetPts);
      if (frame) return { frame, packetsDecoded, framesDecoded: this.framesOut, packetsSkipped: skipped };
    }
    this.lastSent = null;
    if (!started) return this.index.pts.length > 0 ? 'overshot' : null;
    // Drained: the decoder takes no packet until a seek resets it, but the pictures still in it come
    // out in order: as if every packet was sent, a later look-up may continue for those.
    dec.drain();
    this.lastSent = Number.MAX_SAFE_INTEGER;
    const frame = this.take(targetPts);
    return frame ? { frame, packetsDecoded, framesDecoded: this.framesOut, packetsSkipped: skipped } : null;
  }

  private take(targetPts: bigint): Frame | null {
    for (let f = this.decoder.receive(); f; f = this.decoder.receive()) {
      this.framesOut++;
      this.lastOutPts = f.pts;
      if (f.pts === targetPts) {
        // Frames after the target stay in the decoder; the next look-up seeks and flushes anyway.
        return f;
      }
      if (this.onPassing) this.onPassing(f);
      else f.free();
    }
    return null;
  }

  private positions?: Map<bigint, number>;
  private decodePositions(): Map<bigint, number> {
    if (!this.positions) {
      this.positions = new Map();
      this.index.pts.forEach((pts, i) => this.positions!.set(pts, this.index.decodeOrder[i]!));
    }
    return this.positions;
  }

  async close(): Promise<void> {
    await this.decoder.close();
  }
}

/** One look-up: open, find, close. */
export async function frameAt(
  location: VideoRef,
  time: TimeMs | string | number,
  options: FrameLookupOptions = {},
): Promise<FrameAtResult> {
  const lookup = await FrameLookup.open(location, options);
  try {
    return await lookup.at(time);
  } finally {
    await lookup.close();
  }
}
