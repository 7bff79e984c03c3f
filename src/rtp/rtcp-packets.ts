/**
 * Compound RTCP (RFC 3550 §6.1): receiver reports a client sends us, and the RR + BYE we send when a
 * stream ends. Every RTCP packet starts with the same 4-byte header:
 *
 * |V=2|P|  count  |      PT       |   length (32-bit words - 1)   |
 */
import { RTCP_BYE, RTCP_RR } from './rtcp-sender-report.js';

export interface RtcpPacketHeader {
  packetType: number;
  count: number;
  /** Offset and byte length of this packet inside the datagram. */
  offset: number;
  byteLength: number;
}

/** Splits a compound RTCP datagram; undefined when it is not valid RTCP (garbage is ignored, never thrown). */
export function splitCompoundRtcp(buf: Buffer): RtcpPacketHeader[] | undefined {
  const out: RtcpPacketHeader[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (buf.length - offset < 4) return undefined;
    const b0 = buf[offset]!;
    if (b0 >> 6 !== 2) return undefined;
    const packetType = buf[offset + 1]!;
    if (packetType < 192 || packetType > 223) return undefined;
    const byteLength = (buf.readUInt16BE(offset + 2) + 1) * 4;
    if (offset + byteLength > buf.length) return undefined;
    out.push({ packetType, count: b0 & 0x1f, offset, byteLength });
    offset += byteLength;
  }
  return out.length > 0 ? out : undefined;
}

export interface ReceiverReportBlock {
  ssrc: number;
  fractionLost: number;
  cumulativeLost: number;
  highestSeq: number;
  jitter: number;
}

export interface ReceiverReport {
  reporterSsrc: number;
  blocks: ReceiverReportBlock[];
}

/** Receiver reports found in a compound datagram (RFC 3550 §6.4.2). */
export function parseReceiverReports(buf: Buffer): ReceiverReport[] {
  const parts = splitCompoundRtcp(buf);
  if (!parts) return [];
  const reports: ReceiverReport[] = [];
  for (const p of parts) {
    if (p.packetType !== RTCP_RR || p.byteLength < 8 + p.count * 24) continue;
    const blocks: ReceiverReportBlock[] = [];
    for (let i = 0; i < p.count; i++) {
      const at = p.offset + 8 + i * 24;
      const lost = buf.readUInt32BE(at + 4);
      blocks.push({
        ssrc: buf.readUInt32BE(at),
        fractionLost: lost >>> 24,
        cumulativeLost: lost & 0xffffff,
        highestSeq: buf.readUInt32BE(at + 8),
        jitter: buf.readUInt32BE(at + 12),
      });
    }
    reports.push({ reporterSsrc: buf.readUInt32BE(p.offset + 4), blocks });
  }
  return reports;
}

/**
 * Compound empty RR + BYE for `ssrc`. RFC 3550 wants every compound packet to start with an SR or RR,
 * and FFmpeg ignores RTCP datagrams shorter than 12 bytes, so a lone 8-byte BYE would not end its
 * UDP session (shared/reference/media §4).
 */
export function serializeReceiverReportBye(ssrc: number): Buffer {
  const buf = Buffer.from([0x80, RTCP_RR, 0, 1, 0, 0, 0, 0, 0x81, RTCP_BYE, 0, 1, 0, 0, 0, 0]);
  buf.writeUInt32BE(ssrc >>> 0, 4);
  buf.writeUInt32BE(ssrc >>> 0, 12);
  return buf;
}

export function isRtcpPacket(buf: Buffer): boolean {
  // 200-204 (SR, RR, SDES, BYE, APP): RTP payload types 72-76 with the marker bit would collide, kadr uses 96.
  return buf.length >= 2 && buf[1]! >= 200 && buf[1]! <= 204;
}
