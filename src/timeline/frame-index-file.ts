/**
 * The one stored form of a frame index: JSON, written by the recorder beside every segment
 * (`<segment>.index.json`, docs/recording.md) and by the timeline's disk cache (index-cache.ts). Columns
 * in presentation order, so that a look-up is a binary search. Version 2; the two version-1 forms that
 * may still be on disk or in a bucket are read too:
 *
 * - the recorder's (`format: 'kadr-frame-index', version: 1`): no decode order (its frames cannot be
 *   decoded from the index alone; wallclock look-ups do not need it), the last frame's duration
 *   recovered from `durationMs`;
 * - the timeline cache's (`v: 1`, no `format`): pts as offsets from a first pts kept as a string.
 *
 * Writers may add fields of their own at the top level (the recorder adds the segment's facts);
 * readers ignore what they do not know.
 */
import { KadrError } from '../core/errors.js';
import { formatRational, ticksToMs, type Rational } from '../core/rational.js';
import { durationTicks, type FrameIndex } from './frame-index.js';

export const FRAME_INDEX_FORMAT = 'kadr-frame-index';
export const FRAME_INDEX_VERSION = 2;

export interface FrameIndexFile {
  format: typeof FRAME_INDEX_FORMAT;
  version: typeof FRAME_INDEX_VERSION;
  codec: string;
  width: number;
  height: number;
  /** "num/den" seconds per tick. */
  timeBase: string;
  frames: number;
  firstPtsMs: number;
  /** From the first frame to the end of the last one. */
  durationMs: number;
  builtBy: FrameIndex['builtBy'];
  /** Every frame's PTS in ticks, presentation order (each a safe integer, else the index is not stored). */
  ptsTicks: number[];
  lastDurationTicks: number;
  /** Presentation indexes of the keyframes. */
  keyframes: number[];
  /** Decode position of each frame. */
  decodeOrder: number[];
  /** Byte position of each frame's packet, -1 when unknown; left out when none is known. */
  pos?: number[];
  /** Recordings: the first frame whose wallclock came with it (RecordedClocks.anchor), else null. */
  wallclock: { ptsTicks: number; ntpMs: number } | null;
  /** Recordings: RecordedClocks' columns. */
  receivedAtMs?: number[];
  ntpMs?: (number | null)[];
  estimatedPts: number[];
}

/** A stored index as read back: the decode order is null for the recorder's version-1 files. */
export type StoredFrameIndex = Omit<FrameIndex, 'decodeOrder'> & { decodeOrder: number[] | null };

/** The JSON of an index; throws when a PTS does not fit a double exactly (a cache then keeps none). */
export function toFrameIndexFile(index: FrameIndex): FrameIndexFile {
  const ptsTicks = index.pts.map((p) => exactNumber(p, 'pts'));
  const c = index.clocks;
  return {
    format: FRAME_INDEX_FORMAT,
    version: FRAME_INDEX_VERSION,
    codec: index.codec,
    width: index.width,
    height: index.height,
    timeBase: formatRational(index.timeBase),
    frames: index.pts.length,
    firstPtsMs: ticksToMs(index.pts[0] ?? 0n, index.timeBase),
    durationMs: index.pts.length ? ticksToMs(durationTicks(index), index.timeBase) : 0,
    builtBy: index.builtBy,
    ptsTicks,
    lastDurationTicks: exactNumber(index.lastDurationTicks, 'duration'),
    keyframes: index.key.flatMap((k, i) => (k ? [i] : [])),
    decodeOrder: index.decodeOrder,
    ...(index.pos.some((p) => p >= 0) ? { pos: index.pos } : {}),
    wallclock: c?.anchor ? { ptsTicks: exactNumber(c.anchor.ptsTicks, 'pts'), ntpMs: c.anchor.ntpMs } : null,
    ...(c ? { receivedAtMs: c.receivedAtMs, ntpMs: c.ntpMs } : {}),
    estimatedPts: c?.estimatedPts ?? [],
  };
}

/** Reads any stored version; `location` is the media the index describes. */
export function readFrameIndexFile(json: unknown, location: string): StoredFrameIndex {
  const j = json as Record<string, unknown> | null;
  if (j && j.format === FRAME_INDEX_FORMAT && j.version === FRAME_INDEX_VERSION) {
    return fromCurrent(j as unknown as FrameIndexFile, location);
  }
  if (j && j.format === FRAME_INDEX_FORMAT && j.version === 1) {
    return fromRecorderV1(j as unknown as RecorderV1, location);
  }
  if (j && j.format === undefined && j.v === 1) return fromCacheV1(j as unknown as CacheV1, location);
  const seen = j ? `format ${String(j.format)}, version ${String(j.version ?? j.v)}` : 'not an object';
  throw new KadrError('KADR_ERR_INPUT_CORRUPT', `${location}: not a kadr frame index (${seen})`, {
    hint: `kadr reads ${FRAME_INDEX_FORMAT} versions 1 and ${FRAME_INDEX_VERSION}`,
  });
}

function fromCurrent(f: FrameIndexFile, location: string): StoredFrameIndex {
  const pts = f.ptsTicks.map(BigInt);
  return {
    location,
    codec: f.codec,
    width: f.width,
    height: f.height,
    timeBase: parseRational(f.timeBase),
    pts,
    key: keyFlags(pts.length, f.keyframes),
    decodeOrder: f.decodeOrder,
    pos: f.pos ?? pts.map(() => -1),
    lastDurationTicks: BigInt(f.lastDurationTicks),
    builtBy: f.builtBy,
    ...clocksOf(f, pts),
  };
}

/** The recorder's first format (kadr before frame-index-file.ts). */
interface RecorderV1 {
  codec: string;
  width: number;
  height: number;
  timeBase: string;
  durationMs: number;
  wallclock: { ptsTicks: number; ntpMs: number } | null;
  ptsTicks: number[];
  estimatedPts: number[];
  keyframes: number[];
  receivedAtMs: number[];
  ntpMs: (number | null)[];
}

function fromRecorderV1(f: RecorderV1, location: string): StoredFrameIndex {
  const pts = f.ptsTicks.map(BigInt);
  const timeBase = parseRational(f.timeBase);
  const n = pts.length;
  // durationMs = (last - first + lastDuration) ticks in ms, an exact ratio before it became a double.
  const spanTicks = BigInt(Math.round((f.durationMs * timeBase.den) / (timeBase.num * 1000)));
  const lastDuration = n ? spanTicks - (pts[n - 1]! - pts[0]!) : 0n;
  return {
    location,
    codec: f.codec,
    width: f.width,
    height: f.height,
    timeBase,
    pts,
    key: keyFlags(n, f.keyframes),
    decodeOrder: null,
    pos: pts.map(() => -1),
    lastDurationTicks: lastDuration > 0n ? lastDuration : 0n,
    builtBy: 'recorder',
    ...clocksOf(f, pts),
  };
}

/** The timeline cache's first format. */
interface CacheV1 {
  codec: string;
  width: number;
  height: number;
  tb: [number, number];
  first: string;
  d: number[];
  keys: number[];
  order: number[];
  pos: number[];
  lastDur: string;
  builtBy: 'packets' | 'decode';
}

function fromCacheV1(s: CacheV1, location: string): StoredFrameIndex {
  const first = BigInt(s.first);
  return {
    location,
    codec: s.codec,
    width: s.width,
    height: s.height,
    timeBase: { num: s.tb[0], den: s.tb[1] },
    pts: s.d.map((d) => first + BigInt(d)),
    key: keyFlags(s.d.length, s.keys),
    decodeOrder: s.order,
    pos: s.pos,
    lastDurationTicks: BigInt(s.lastDur),
    builtBy: s.builtBy,
  };
}

function clocksOf(
  f: Pick<FrameIndexFile, 'wallclock' | 'receivedAtMs' | 'ntpMs' | 'estimatedPts'>,
  pts: bigint[],
): Pick<FrameIndex, 'clocks'> {
  if (!f.receivedAtMs || !f.ntpMs) return {};
  if (f.receivedAtMs.length !== pts.length || f.ntpMs.length !== pts.length) {
    throw new KadrError('KADR_ERR_INPUT_CORRUPT', 'frame index: clock columns do not match the frames');
  }
  return {
    clocks: {
      receivedAtMs: f.receivedAtMs,
      ntpMs: f.ntpMs,
      anchor: f.wallclock ? { ptsTicks: BigInt(f.wallclock.ptsTicks), ntpMs: f.wallclock.ntpMs } : null,
      estimatedPts: f.estimatedPts ?? [],
    },
  };
}

function keyFlags(n: number, keyframes: number[]): boolean[] {
  const key = new Array<boolean>(n).fill(false);
  for (const k of keyframes) key[k] = true;
  return key;
}

function parseRational(text: string): Rational {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m || Number(m[2]) === 0 || Number(m[1]) === 0) {
    throw new KadrError('KADR_ERR_INPUT_CORRUPT', `frame index: time base '${text}' is not num/den`);
  }
  return { num: Number(m[1]), den: Number(m[2]) };
}

function exactNumber(ticks: bigint, what: string): number {
  const n = Number(ticks);
  if (!Number.isSafeInteger(n)) {
    throw new KadrError('KADR_ERR_INTERNAL', `a ${what} of ${ticks} ticks does not fit a JSON number`);
  }
  return n;
}
