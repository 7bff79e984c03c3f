/**
 * RTCP sender report (RFC 3550 §6.4.1): maps one RTP timestamp to the NTP wallclock at which it was
 * sampled, so a receiver can place every frame in absolute time.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |V=2|P|    RC   |   PT=SR=200   |             length            |
 * |                         SSRC of sender                        |
 * |              NTP timestamp, most significant word             |
 * |             NTP timestamp, least significant word             |
 * |                         RTP timestamp                         |
 * |                     sender's packet count                     |
 * |                      sender's octet count                     |
 */
export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;

/** Seconds between the NTP epoch (1900) and the Unix epoch (1970). */
const NTP_UNIX_OFFSET_SEC = 2_208_988_800n;

export interface SenderReport {
  ssrc: number;
  /** 64-bit NTP timestamp: seconds since 1900 in the high 32 bits, the fraction in the low 32. */
  ntpTimestamp: bigint;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

/** Unix time in microseconds → 64-bit NTP timestamp (fraction rounded to nearest). */
export function unixUsToNtp(unixUs: bigint): bigint {
  const sec = unixUs / 1_000_000n;
  const us = unixUs % 1_000_000n;
  const frac = (us * 2n ** 32n + 500_000n) / 1_000_000n;
  return ((sec + NTP_UNIX_OFFSET_SEC) << 32n) + frac;
}

/** 64-bit NTP timestamp → Unix time in microseconds (rounded to nearest). */
export function ntpToUnixUs(ntp: bigint): bigint {
  const sec = (ntp >> 32n) - NTP_UNIX_OFFSET_SEC;
  const frac = ntp & 0xffff_ffffn;
  return sec * 1_000_000n + (frac * 1_000_000n + 2n ** 31n) / 2n ** 32n;
}

export function serializeSenderReport(sr: SenderReport): Buffer {
  const buf = Buffer.alloc(28);
  buf[0] = 0x80; // V=2, P=0, RC=0
  buf[1] = RTCP_SR;
  buf.writeUInt16BE(6, 2); // length in 32-bit words minus one
  buf.writeUInt32BE(sr.ssrc >>> 0, 4);
  buf.writeUInt32BE(Number(sr.ntpTimestamp >> 32n), 8);
  buf.writeUInt32BE(Number(sr.ntpTimestamp & 0xffff_ffffn), 12);
  buf.writeUInt32BE(sr.rtpTimestamp >>> 0, 16);
  buf.writeUInt32BE(sr.packetCount >>> 0, 20);
  buf.writeUInt32BE(sr.octetCount >>> 0, 24);
  return buf;
}

/** Parses the first packet of a compound RTCP datagram when it is an SR. */
export function parseSenderReport(buf: Buffer): SenderReport | undefined {
  if (buf.length < 28 || buf[0]! >> 6 !== 2 || buf[1] !== RTCP_SR) return undefined;
  return {
    ssrc: buf.readUInt32BE(4),
    ntpTimestamp: (BigInt(buf.readUInt32BE(8)) << 32n) | BigInt(buf.readUInt32BE(12)),
    rtpTimestamp: buf.readUInt32BE(16),
    packetCount: buf.readUInt32BE(20),
    octetCount: buf.readUInt32BE(24),
  };
}

/** The RTP timestamp a sender report states for wallclock `unixUs`, given one anchor pair. */
export function rtpTimestampAtWallclock(
  anchor: { unixUs: bigint; rtpTimestamp: number },
  unixUs: bigint,
  clockRate: number,
): number {
  const delta = ((unixUs - anchor.unixUs) * BigInt(clockRate)) / 1_000_000n;
  return Number((BigInt(anchor.rtpTimestamp) + delta) & 0xffff_ffffn);
}
