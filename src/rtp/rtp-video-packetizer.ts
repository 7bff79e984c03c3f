/**
 * RTP packetization of one H.264 or H.265 access unit in Annex B form (what the depacketizers and the
 * camera pull hand on), without libavformat, for the live restream:
 *  - H.264, RFC 6184 packetization-mode 1: a NAL unit that fits is sent alone (§5.6); a bigger one is
 *    cut into FU-A fragments (§5.8): FU indicator (F and NRI of the NAL header, type 28), FU header
 *    (S, E, the NAL type);
 *  - H.265, RFC 7798: single NAL unit packets (§4.4.1), fragmentation units (§4.4.3): a two-byte
 *    payload header of type 49 with the NAL's layer id and TID, then the FU header (S, E, the type);
 *  - every packet of the unit carries the unit's RTP timestamp; the marker bit is set on the last
 *    (RFC 6184 §5.1, RFC 7798 §4.1); sequence numbers are the sender's own, consecutive.
 * All packets of a unit are written back to back into one reused buffer, with their lengths, which is
 * the shape RtpSink.sendRtpPackets takes (one write for the unit). `framed()` puts each packet behind
 * the 4-byte prefix of RTP over RTSP's TCP connection (RFC 2326 §10.12): the form a camera's packets
 * are kept in for all its viewers (src/streams/live-rtp-packets.ts).
 */
export type PacketizedCodec = 'h264' | 'hevc';

export interface RtpVideoPacketizerOptions {
  codec: PacketizedCodec;
  ssrc: number;
  /** First sequence number. */
  seq: number;
  payloadType?: number;
  /** Bytes per RTP packet, header included; 1400 keeps a UDP datagram under a 1500-byte MTU. */
  maxPacketSize?: number;
}

export interface PacketizedUnit {
  /** The packets back to back; valid until the next packetize() call. */
  data: Buffer;
  lengths: Uint16Array;
  /** Number of packets (the first `count` entries of `lengths`). */
  count: number;
  /** Payload bytes (RTP headers excluded), for the sender report's octet count. */
  payloadBytes: number;
}

/**
 * One unit's packets made once for many viewers: each packet is `$`, channel 0, its length (16 bits),
 * then the RTP packet (RFC 2326 §10.12).
 */
export interface FramedRtpUnit {
  data: Buffer;
  /** Number of packets. */
  count: number;
  /** Sequence number of the first packet; the others follow it, consecutive. */
  firstSeq: number;
  payloadBytes: number;
}

/** Bytes in front of each packet of a FramedRtpUnit. */
export const FRAME_PREFIX = 4;

const HEADER = 12;

export class RtpVideoPacketizer {
  nextSeq: number;
  readonly ssrc: number;
  private readonly payloadType: number;
  private readonly maxPayload: number;
  private buf = Buffer.allocUnsafe(64 * 1024);
  private lengths = new Uint16Array(64);
  private count = 0;
  private used = 0;
  private payloadBytes = 0;
  /** Bytes left in front of each packet: FRAME_PREFIX while framed() runs, 0 otherwise. */
  private prefix = 0;
  /** The FU header bytes of the NAL being fragmented (2 for H.264, 3 for H.265). */
  private readonly fuHeader = Buffer.alloc(3);

  constructor(private readonly o: RtpVideoPacketizerOptions) {
    this.nextSeq = o.seq & 0xffff;
    this.ssrc = o.ssrc >>> 0;
    this.payloadType = o.payloadType ?? 96;
    this.maxPayload = (o.maxPacketSize ?? 1400) - HEADER;
  }

  /**
   * The packets of one Annex B access unit sent at RTP time `timestamp`, each with its prefix (see
   * FramedRtpUnit); `data` is valid until the next call.
   */
  framed(annexB: Buffer, timestamp: number): FramedRtpUnit {
    const firstSeq = this.nextSeq;
    this.prefix = FRAME_PREFIX;
    try {
      const made = this.packetize(annexB, timestamp);
      return { data: made.data, count: made.count, firstSeq, payloadBytes: made.payloadBytes };
    } finally {
      this.prefix = 0;
    }
  }

  /** The packets of one Annex B access unit sent at RTP time `timestamp`. */
  packetize(annexB: Buffer, timestamp: number): PacketizedUnit {
    this.count = 0;
    this.used = 0;
    this.payloadBytes = 0;
    const nals = splitAnnexB(annexB);
    for (let i = 0; i < nals.length; i++) {
      const nal = nals[i]!;
      const last = i === nals.length - 1;
      if (nal.length <= this.maxPayload) this.packet(timestamp, last, nal, 0, nal.length);
      else if (this.o.codec === 'h264') this.fragmentH264(nal, timestamp, last);
      else this.fragmentHevc(nal, timestamp, last);
    }
    return {
      data: this.buf.subarray(0, this.used),
      lengths: this.lengths,
      count: this.count,
      payloadBytes: this.payloadBytes,
    };
  }

  private fragmentH264(nal: Buffer, timestamp: number, lastNal: boolean): void {
    this.fuHeader[0] = (nal[0]! & 0xe0) | 28;
    this.fragments(nal, 1, 2, timestamp, lastNal, nal[0]! & 0x1f);
  }

  private fragmentHevc(nal: Buffer, timestamp: number, lastNal: boolean): void {
    this.fuHeader[0] = (nal[0]! & 0x81) | (49 << 1);
    this.fuHeader[1] = nal[1]!;
    this.fragments(nal, 2, 3, timestamp, lastNal, (nal[0]! >> 1) & 0x3f);
  }

  /**
   * Cuts the NAL's body (after its `headerBytes`-byte header) into fragments, each behind the first
   * `fuBytes` of fuHeader, whose last byte is the FU header (S, E, the NAL's `type`).
   */
  private fragments(
    nal: Buffer,
    headerBytes: number,
    fuBytes: number,
    timestamp: number,
    lastNal: boolean,
    type: number,
  ): void {
    const room = this.maxPayload - headerBytes - 1;
    for (let at = headerBytes; at < nal.length; at += room) {
      const end = at + room >= nal.length;
      this.fuHeader[fuBytes - 1] = (at === headerBytes ? 0x80 : 0) | (end ? 0x40 : 0) | type;
      this.packet(timestamp, lastNal && end, nal, at, Math.min(nal.length, at + room), fuBytes);
    }
  }

  /** One packet: the FU header's first `fuBytes` bytes (none for a whole NAL), then `body[from, to)`. */
  private packet(
    timestamp: number,
    marker: boolean,
    body: Buffer,
    from: number,
    to: number,
    fuBytes = 0,
  ): void {
    const size = HEADER + fuBytes + to - from;
    const prefix = this.prefix;
    this.reserve(prefix + size);
    const buf = this.buf;
    let at = this.used;
    if (prefix) {
      buf[at] = 0x24;
      buf[at + 1] = 0;
      buf.writeUInt16BE(size, at + 2);
      at += prefix;
    }
    buf[at] = 0x80;
    buf[at + 1] = (marker ? 0x80 : 0) | this.payloadType;
    buf.writeUInt16BE(this.nextSeq, at + 2);
    buf.writeUInt32BE(timestamp >>> 0, at + 4);
    buf.writeUInt32BE(this.ssrc, at + 8);
    if (fuBytes) this.fuHeader.copy(buf, at + HEADER, 0, fuBytes);
    body.copy(buf, at + HEADER + fuBytes, from, to);
    this.nextSeq = (this.nextSeq + 1) & 0xffff;
    this.lengths[this.count++] = size;
    this.used += prefix + size;
    this.payloadBytes += size - HEADER;
  }

  private reserve(size: number): void {
    if (this.count === this.lengths.length) {
      const l = new Uint16Array(this.lengths.length * 2);
      l.set(this.lengths);
      this.lengths = l;
    }
    if (this.used + size > this.buf.length) {
      const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + size));
      this.buf.copy(b, 0, 0, this.used);
      this.buf = b;
    }
  }
}

/** The NAL units of an Annex B byte stream (3- or 4-byte start codes), without their start codes. */
export function splitAnnexB(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = -1;
  let i = 0;
  const n = data.length;
  while (i + 2 < n) {
    if (data[i + 2]! > 1) i += 3;
    else if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      if (start >= 0) out.push(trimZeros(data, start, i));
      i += 3;
      start = i;
    } else i++;
  }
  if (start >= 0 && start < n) out.push(data.subarray(start, n));
  else if (start < 0 && n > 0) out.push(data); // no start code at all: one bare NAL unit
  return out.filter((nal) => nal.length > 0);
}

/** The NAL from `start` to the next start code, without the zero bytes that belong to that code. */
function trimZeros(data: Buffer, start: number, end: number): Buffer {
  let e = end;
  while (e > start && data[e - 1] === 0) e--;
  return data.subarray(start, e);
}
