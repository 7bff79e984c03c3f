/**
 * Timestamp repair for access units from libavformat's RTSP demuxer (shared/reference/media README §4,
 * measured against gst-rtsp-server and our own server with FFmpeg 5.1 and 8.1):
 *  - the first access unit comes out without pts. If an RTCP SR arrived before the first RTP packet the
 *    session base is the SR's RTP time and the unit carries PRFT: its pts is its wallclock minus the
 *    wallclock-minus-pts offset of the following units. Otherwise its RTP timestamp is the base: pts 0.
 *    But the base can also be the RTP-Info rtptime of the PLAY reply, which for a file served from
 *    npt 0 whose first frame is later (gst-rtsp-server, a first PTS of 1 s) is not the first frame's
 *    time. Then pts 0 would give the first frame a duration many times any other; when it would, the
 *    first pts is estimated as (smallest following pts) - (smallest interval between the following
 *    frames) and marked as an estimate. libavformat gives no way to read the RTP timestamp itself.
 *  - with B-frames the first `has_b_frames` units come without dts: held until a dts appears, then
 *    back-filled as dts[k] = min(pts[k], dts[k+1] - 1), which keeps dts increasing and dts <= pts.
 */
import type { Packet } from 'node-av/lib';
import type { Rational } from '../core/rational.js';

export interface HeldUnit {
  packet: Packet;
  pts: bigint | null;
  dts: bigint | null;
  key: boolean;
  receivedAtMs: number;
  /** AV_PKT_DATA_PRFT wallclock in µs since 1970, when libavformat attached one. */
  prftUs: bigint | null;
  /** The pts was not in the stream but estimated (see above). */
  ptsEstimated?: boolean;
}

/** Following frames looked at before deciding the first frame's pts without a PRFT. */
const ESTIMATE_WINDOW = 8;

/** Past this many held units we stop waiting for evidence and fall back (pts 0, dts = pts). */
export const MAX_HELD_UNITS = 64;

/**
 * Fills the missing leading timestamps of `held` (arrival order) in place. Returns true when every held
 * unit has both timestamps, i.e. they can be passed on; false while more units are needed to decide.
 */
export function repairLeadingTimestamps(held: HeldUnit[], tb: Rational): boolean {
  const first = held[0];
  if (!first) return false;
  const giveUp = held.length >= MAX_HELD_UNITS;
  if (first.pts === null) {
    if (first.prftUs === null) {
      const following = held.slice(1).filter((u) => u.pts !== null && !u.key);
      if (following.length < ESTIMATE_WINDOW && !giveUp && !held.slice(1).some((u) => u.key)) return false;
      first.pts = firstPtsWithoutWallclock(following.map((u) => u.pts!));
      if (first.pts !== 0n) first.ptsEstimated = true;
    } else if (giveUp) first.pts = 0n;
    else {
      const anchor = held.find((u, i) => i > 0 && u.pts !== null && u.prftUs !== null);
      if (!anchor) return false;
      // wallclock of pts 0, in µs: prft - pts * tb
      const den = BigInt(tb.den);
      const num = BigInt(tb.num);
      const zeroUs = anchor.prftUs! - (anchor.pts! * num * 1_000_000n) / den;
      const pts = ((first.prftUs - zeroUs) * den) / (num * 1_000_000n);
      first.pts = pts < 0n ? 0n : pts;
    }
  }
  for (let i = 1; i < held.length; i++) {
    const u = held[i]!;
    if (u.pts === null) u.pts = u.dts ?? held[i - 1]!.pts;
  }
  const lastWithDts = findLastIndex(held, (u) => u.dts !== null);
  const missing = held.some((u) => u.dts === null);
  if (!missing) return true;
  if (lastWithDts < 0 || held.slice(0, lastWithDts).every((u) => u.dts !== null)) {
    // The units without dts are at the end: wait for the next one with a dts, unless we give up.
    if (!giveUp) return false;
    for (const u of held) if (u.dts === null) u.dts = u.pts;
    return true;
  }
  let next = held[lastWithDts]!.dts!;
  for (let k = lastWithDts - 1; k >= 0; k--) {
    const u = held[k]!;
    if (u.dts === null) u.dts = u.pts! < next - 1n ? u.pts! : next - 1n;
    next = u.dts;
  }
  return held.slice(lastWithDts + 1).every((u) => u.dts !== null);
}

/**
 * pts 0 (the first RTP packet or the SR is the base) unless that makes the first frame last more than
 * four times the longest interval among the frames after it; then an estimate just before them.
 */
export function firstPtsWithoutWallclock(followingPts: bigint[]): bigint {
  const sorted = [...followingPts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (sorted.length < 2) return 0n;
  let minGap: bigint | null = null;
  let maxGap = 0n;
  for (let i = 1; i < sorted.length; i++) {
    const gap = sorted[i]! - sorted[i - 1]!;
    if (gap <= 0n) continue;
    if (minGap === null || gap < minGap) minGap = gap;
    if (gap > maxGap) maxGap = gap;
  }
  const lowest = sorted[0]!;
  if (minGap === null || lowest <= 4n * maxGap) return 0n;
  return lowest - minGap;
}

function findLastIndex<T>(list: T[], test: (v: T) => boolean): number {
  for (let i = list.length - 1; i >= 0; i--) if (test(list[i]!)) return i;
  return -1;
}
