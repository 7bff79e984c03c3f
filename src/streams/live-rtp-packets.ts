/**
 * A camera's RTP packets for its RTSP viewers, made once per access unit whatever the number of
 * viewers. Each viewer used to packetize every unit itself; at 1080p that work, and the objects it made
 * per packet, were the largest part of the restream's cost.
 *
 * Every viewer of the camera gets the same packets: the same SSRC, the camera's RTP timestamps, and one
 * sequence-number space. A viewer that joins starts at the sequence number its first unit has (RTP-Info
 * tells it); one that reaches units in another order than they were made (a late joiner on the current
 * group of pictures beside a viewer still reading older units) writes its own numbers over them as it
 * copies (LiveRestream passes the offset). The packets are framed for RTSP's TCP channel 0
 * (FramedRtpUnit), so most viewers copy a unit's packets in one piece.
 *
 * The packets live in one ring buffer per camera that is written over and over: no new memory per unit.
 * A fresh buffer per unit (2 MB/s at four 4 Mbit/s cameras) made V8 run a full collection every two
 * seconds, since bytes of ArrayBuffers allocated count towards starting one (bench/cameras.ts, see
 * docs/live-cameras.md). Viewers read a unit shortly after it arrives; a unit whose packets were
 * written over by then is packetized again.
 */
import type { MediaUnit } from '../core/media-unit.js';
import { rescale, RTP_VIDEO_TIME_BASE } from '../core/rational.js';
import { type FramedRtpUnit, type PacketizedCodec, RtpVideoPacketizer } from '../rtp/index.js';

/** About 8 s of a 4 Mbit/s camera. */
const RING_BYTES = 4 * 2 ** 20;

interface Placed {
  /** Where the packets start, counted in bytes ever written to the ring. */
  start: number;
  length: number;
  count: number;
  firstSeq: number;
  payloadBytes: number;
}

export class LiveRtpPackets {
  readonly ssrc = (Math.random() * 2 ** 32) >>> 0;
  private readonly packetizer: RtpVideoPacketizer;
  private readonly made = new WeakMap<MediaUnit, Placed>();
  private ring: Buffer | null = null;
  /** Bytes ever written to the ring (its write position is this modulo its size). */
  private written = 0;

  constructor(
    readonly codec: PacketizedCodec,
    private readonly ringBytes = RING_BYTES,
  ) {
    this.packetizer = new RtpVideoPacketizer({
      codec,
      ssrc: this.ssrc,
      seq: (Math.random() * 0x10000) >>> 0,
    });
  }

  /**
   * The unit's packets, made on the first call for it (or again if the ring has moved past them).
   * `data` is valid until the next call: a sink copies it during its call.
   */
  of(unit: MediaUnit): FramedRtpUnit {
    const placed = this.made.get(unit);
    if (placed && this.written <= placed.start + this.ringBytes) return this.view(placed);
    const made = this.packetizer.framed(unit.data, rtpTimestampOf(unit));
    if (made.data.length > this.ringBytes) return made; // the packetizer's own buffer, until the next call
    this.ring ??= Buffer.allocUnsafeSlow(this.ringBytes);
    let at = this.written % this.ringBytes;
    // A unit is kept in one piece: one that does not fit before the end starts at the beginning.
    if (at + made.data.length > this.ringBytes) {
      this.written += this.ringBytes - at;
      at = 0;
    }
    made.data.copy(this.ring, at);
    const p: Placed = {
      start: this.written,
      length: made.data.length,
      count: made.count,
      firstSeq: made.firstSeq,
      payloadBytes: made.payloadBytes,
    };
    this.written += made.data.length;
    this.made.set(unit, p);
    return this.view(p);
  }

  private view(p: Placed): FramedRtpUnit {
    const at = p.start % this.ringBytes;
    return {
      data: this.ring!.subarray(at, at + p.length),
      count: p.count,
      firstSeq: p.firstSeq,
      payloadBytes: p.payloadBytes,
    };
  }
}

/** The camera's RTP timestamp; for a unit that did not come over RTP, its PTS at 90 kHz. */
export function rtpTimestampOf(unit: MediaUnit): number {
  if (unit.rtpTimestamp !== undefined) return unit.rtpTimestamp;
  return Number(rescale(unit.pts, unit.timeBase, RTP_VIDEO_TIME_BASE) & 0xffff_ffffn);
}
