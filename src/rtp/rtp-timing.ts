/**
 * The timing rules of sending a stored stream as RTP, written once for every sender (the per-client
 * file track, media/rtp-file-reader.ts and rtp-packetizer.ts; the shared cache's cursor,
 * streams/cached-rtp-track.ts; the sender reports of streams/file-playback.ts):
 *  - the RTP timestamp of a frame is a random base (RFC 3550 §5.1) plus its PTS rescaled to the RTP
 *    clock (90 kHz for video), modulo 2^32, exactly: never a constant step per frame;
 *  - each unit is sent at its DTS, or at the previous send time when it has none (Matroska's leading
 *    B-frames after a seek), and send times never decrease;
 *  - a loop adds one whole pass (last PTS + its duration - first PTS) to every timestamp of the next
 *    pass, so a client sees one continuous, increasing timeline;
 *  - normal play time (RFC 2326 §3.6) counts seconds from the PTS of the file's first frame.
 */
import { rescale, type Rational, RTP_VIDEO_TIME_BASE } from '../core/rational.js';

const WRAP = 2n ** 32n;

/** The 32-bit RTP timestamp of `ticks` (stream time base) on a clock that was at `base` at tick 0. */
export function rtpTimestampAt(base: number, ticks: bigint, timeBase: Rational): number {
  return Number((BigInt(base) + rescale(ticks, timeBase, RTP_VIDEO_TIME_BASE)) & 0xffff_ffffn);
}

/** The base a packet's RTP timestamp implies for the PTS it carries: the inverse of rtpTimestampAt. */
export function rtpBaseOf(timestamp: number, pts: bigint, timeBase: Rational): number {
  const offset = rescale(pts, timeBase, RTP_VIDEO_TIME_BASE);
  return Number((((BigInt(timestamp) - offset) % WRAP) + WRAP) % WRAP);
}

/** The RTP timestamp `elapsedMs` of wallclock after `timestamp`, on the 90 kHz video clock. */
export function rtpTimestampAfterMs(timestamp: number, elapsedMs: number): number {
  return (timestamp + Math.round(elapsedMs * (RTP_VIDEO_TIME_BASE.den / 1000))) >>> 0;
}

/** Stream ticks of a normal play time in seconds, for a stream whose NPT 0 is at `zero`. */
export function nptToTicks(seconds: number, zero: bigint, timeBase: Rational): bigint {
  return zero + BigInt(Math.round((seconds * timeBase.den) / timeBase.num));
}

/** Send times and loop offsets of one pass-through of a stored stream (see the file comment). */
export class PlayoutClock {
  /** Added to every timestamp of the current pass: one pass per completed lap. */
  offsetTicks = 0n;
  private lastSendTicks: bigint | undefined;

  /** The next lap starts: its timestamps move on by one pass. */
  lap(passTicks: bigint): void {
    this.offsetTicks += passTicks;
  }

  /**
   * When the next unit is due, from its DTS and PTS with the loop offset already added: its DTS, else
   * the previous send time; never before the previous one. Without either, the previous, or 0.
   */
  sendTicks(dts: bigint | null, pts: bigint | null): bigint {
    const last = this.lastSendTicks;
    let send = dts ?? pts ?? last ?? 0n;
    if (last !== undefined && (send < last || dts === null)) send = last;
    this.lastSendTicks = send;
    return send;
  }

  /** A seek: back to the first pass's timeline, no earlier send time to respect. */
  restart(): void {
    this.offsetTicks = 0n;
    this.lastSendTicks = undefined;
  }
}
