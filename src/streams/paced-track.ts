/**
 * What FilePlayback paces: one client's RTP track of a file. Two kinds implement it: RtpFileTrack (the
 * client's own reader and packetizer) and CachedRtpTrack (a cursor on the packets of the mount's shared
 * RtpUnitCache, with the client's own SSRC, sequence numbers and RTP clock).
 */
import type { Rational } from '../core/rational.js';

export interface PacedRtpTrack {
  readonly timeBase: Rational;
  readonly ssrc: number;
  /** Sequence number of the next RTP packet. */
  readonly nextSeq: number;
  readonly packetCount: number;
  readonly octetCount: number;
  /** PTS of the first packet sent after open or seek. */
  readonly startPts: bigint | undefined;
  /** RTP timestamp of a time in stream ticks; undefined before the first RTP packet. */
  rtpTimestampFor(ticks: bigint): number | undefined;
  /** When the next packet is due, in stream ticks (never decreasing); null at the end. */
  peekSendTicks(): Promise<bigint | null>;
  /** Sends the next packet's RTP packets to the track's output; false at the end. */
  sendNext(): Promise<boolean>;
  /** NPT 0 in stream ticks: the PTS of the first packet of the file. */
  nptZeroPts(): Promise<bigint>;
  /** Seeks to the keyframe at or before `sec` of normal play time. */
  seek(sec: number): Promise<void>;
  close(): Promise<void>;
}

/** Where a track's RTP packets go; buffers are valid only during the call (copy what you keep). */
export interface RtpOutput {
  packet(packet: Buffer): void;
  /** Several packets back to back in `data`, `lengths[i]` bytes each: one call per access unit. */
  packets(data: Buffer, lengths: Uint16Array, keyframe: boolean): void;
}

/** Opens a client's track, sending into `out`. */
export type OpenPacedTrack = (out: RtpOutput) => Promise<PacedRtpTrack>;
