/**
 * One access unit of one video track with both of its clocks: what a source produces and what the
 * recorder, the restream and (next) analytics, HLS and WebRTC consume.
 *
 * Times are bigint ticks of `timeBase`, counted from the stream's first unit and never wrapping:
 * libavformat's timestamps are 64-bit, RTP's are unwrapped to 64 bits (src/rtp/rtp-timestamp.ts), and
 * a number would lose ticks past 2^53 (104 days of a 1 ns time base), which a recorder running for
 * months could reach. Wallclocks are ms since 1970 as numbers (sub-ms, never beyond 2^53).
 */
import type { Rational } from './rational.js';

export interface MediaUnit<Payload = Buffer> {
  /** What one tick of pts and dts is: 1/clock-rate for RTP (1/90000 for video), the stream's otherwise. */
  timeBase: Rational;
  /** Presentation time, in ticks of `timeBase`. */
  pts: bigint;
  /** Decode time; equal to `pts` where the source carries none (RTP), for a consumer to rebuild. */
  dts: bigint;
  /** Decodable on its own: an IDR (H.264) or IRAP (H.265) picture, or libavformat's keyframe flag. */
  key: boolean;
  /** The source's wallclock of this frame from RTCP sender reports; null before the first one. */
  ntpMs: number | null;
  /** Local wallclock when the unit's last byte arrived. */
  receivedAtMs: number;
  /**
   * The 32-bit RTP timestamp the source sent the unit with, where it came over RTP (kadr's receiver):
   * the restream sends it unchanged. Absent for units from files or libavformat's demuxer.
   */
  rtpTimestamp?: number;
  /**
   * The bytes. H.264/H.265: one Annex B access unit (start codes; parameter sets where the source sent
   * them in-band). Other codecs: the packet as libavformat demuxes it. The recorder's pull carries a
   * node-av Packet here so that the bytes are copied once, into the packet the muxer writes.
   */
  data: Payload;
  /** Packet loss before and in this unit, where the receive path knows it (kadr's RTP receiver). */
  loss?: UnitLoss;
}

/** What a lossy network did to one unit (src/rtp/loss-report.ts). */
export interface UnitLoss {
  /** Packets given up as lost since the previous unit. */
  lostPackets: number;
  /** Part of the unit's own data was lost (what arrived is kept, as a decoder would use it). */
  incomplete: boolean;
  /** Will not decode exactly: incomplete, or predicted from a picture that was damaged or lost. */
  damaged: boolean;
}
