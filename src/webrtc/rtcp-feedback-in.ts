/**
 * What a viewer's RTCP asks of the sender: a new keyframe (Picture Loss Indication, RFC 4585 §6.3.1;
 * Full Intra Request, RFC 5104 §4.3.1). NACKs are answered by libdatachannel's responder before the
 * packets reach kadr. A compound packet (RFC 3550 §6.1) is walked packet by packet.
 */
const RTCP_PSFB = 206;
const FMT_PLI = 1;
const FMT_FIR = 4;

export function asksForKeyframe(packet: Buffer): boolean {
  let at = 0;
  while (at + 4 <= packet.length) {
    const version = packet[at]! >> 6;
    if (version !== 2) return false;
    const fmt = packet[at]! & 0x1f;
    const type = packet[at + 1]!;
    if (type === RTCP_PSFB && (fmt === FMT_PLI || fmt === FMT_FIR)) return true;
    at += (packet.readUInt16BE(at + 2) + 1) * 4;
  }
  return false;
}

/** RTCP rather than RTP (RFC 5761 §4: packet types 192-223 are RTCP on a muxed port). */
export function isRtcp(packet: Buffer): boolean {
  return packet.length >= 4 && packet[1]! >= 192 && packet[1]! <= 223;
}
