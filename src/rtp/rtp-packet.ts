/**
 * RTP fixed header (RFC 3550 §5.1), read in place: the payload is a view into the received buffer.
 *
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |                             SSRC                              |
 * |  CSRC list (CC × 4 bytes), header extension (X), payload, padding (P)  |
 */
export interface RtpPacket {
  payloadType: number;
  marker: boolean;
  seq: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
}

/** undefined for anything that is not a well-formed RTP packet (ignored by the caller, never thrown). */
export function parseRtpPacket(buf: Buffer): RtpPacket | undefined {
  if (buf.length < 12 || buf[0]! >> 6 !== 2) return undefined;
  const b0 = buf[0]!;
  let offset = 12 + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    if (buf.length < offset + 4) return undefined;
    offset += 4 + buf.readUInt16BE(offset + 2) * 4;
  }
  let end = buf.length;
  if (b0 & 0x20) end -= buf[buf.length - 1]!;
  if (end < offset) return undefined;
  return {
    payloadType: buf[1]! & 0x7f,
    marker: (buf[1]! & 0x80) !== 0,
    seq: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    payload: buf.subarray(offset, end),
  };
}

/** Writes a sender's own sequence number, timestamp and SSRC into an RTP header in place. */
export function writeRtpHeaderFields(
  buf: Buffer,
  at: number,
  seq: number,
  timestamp: number,
  ssrc: number,
): void {
  buf.writeUInt16BE(seq, at + 2);
  buf.writeUInt32BE(timestamp, at + 4);
  buf.writeUInt32BE(ssrc, at + 8);
}
