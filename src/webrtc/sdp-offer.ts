/**
 * What kadr needs from a WHEP offer (RFC 9725 §4.2, an SDP offer per RFC 8829): the video media
 * section's mid and the payload types the browser receives, each with its codec, fmtp and
 * feedback. The answer itself is written by libdatachannel from the track kadr adds; this only
 * chooses what goes into that track.
 */
import { splitSdp } from '../rtp/index.js';

export interface OfferedFormat {
  payloadType: number;
  /** Upper case, as in the rtpmap: "H264", "H265", "VP8", "RTX". */
  codec: string;
  clockRate: number;
  /** The fmtp parameters as offered ("level-asymmetry-allowed=1;packetization-mode=1;..."). */
  fmtp: string;
}

export interface OfferedVideo {
  mid: string;
  formats: OfferedFormat[];
}

/** A malformed offer: the route answers 400 with this message. */
export class BadOfferError extends Error {}

/**
 * The offer's video section. A viewer's (WHEP) must receive; a sender's (WHIP, `role: 'sender'`) must
 * send (sendonly or sendrecv).
 */
export function parseVideoOffer(sdp: string, role: 'viewer' | 'sender' = 'viewer'): OfferedVideo {
  if (!/^v=0\r?\n/.test(sdp)) throw new BadOfferError('not an SDP offer (it must start with v=0)');
  const { media } = splitSdp(sdp);
  const section = media.find((m) => m[0]!.startsWith('m=video '));
  if (!section) throw new BadOfferError('the offer has no video media section');
  const mid = section
    .find((l) => l.startsWith('a=mid:'))
    ?.slice(6)
    .trim();
  if (!mid) throw new BadOfferError('the video media section has no a=mid');
  if (role === 'viewer' && section.some((l) => l === 'a=sendonly' || l === 'a=inactive')) {
    throw new BadOfferError('the video media section must receive (recvonly or sendrecv)');
  }
  if (role === 'sender' && section.some((l) => l === 'a=recvonly' || l === 'a=inactive')) {
    throw new BadOfferError('the video media section must send (sendonly or sendrecv)');
  }
  const fmtp = new Map<number, string>();
  for (const l of section) {
    const m = /^a=fmtp:(\d+) (.*)$/.exec(l);
    if (m) fmtp.set(Number(m[1]), m[2]!.trim());
  }
  const formats: OfferedFormat[] = [];
  for (const l of section) {
    const m = /^a=rtpmap:(\d+) ([A-Za-z0-9-]+)\/(\d+)/.exec(l);
    if (!m) continue;
    const payloadType = Number(m[1]);
    formats.push({
      payloadType,
      codec: m[2]!.toUpperCase(),
      clockRate: Number(m[3]),
      fmtp: fmtp.get(payloadType) ?? '',
    });
  }
  return { mid, formats };
}

function fmtpParam(fmtp: string, key: string): string | undefined {
  for (const part of fmtp.split(';')) {
    const [k, v] = part.split('=', 2);
    if (k?.trim().toLowerCase() === key) return v?.trim();
  }
  return undefined;
}

/**
 * The offered payload type to send `codec` ("h264" or "hevc", FFmpeg's names) with, or null where the
 * browser did not offer it. H.264 needs packetization-mode=1 (FU-A, RFC 6184 §6.3: a camera's IDR is
 * larger than a packet); of those, the one whose profile matches the stream's profile_idc is taken, so
 * that the answer's profile-level-id says what the decoder gets, else the first.
 */
export function chooseFormat(offer: OfferedVideo, codec: string, profileIdc?: number): OfferedFormat | null {
  if (codec === 'h264') {
    const usable = offer.formats.filter(
      (f) => f.codec === 'H264' && f.clockRate === 90000 && fmtpParam(f.fmtp, 'packetization-mode') === '1',
    );
    const sameProfile = usable.find((f) => {
      const id = fmtpParam(f.fmtp, 'profile-level-id');
      return id !== undefined && profileIdc !== undefined && parseInt(id.slice(0, 2), 16) === profileIdc;
    });
    return sameProfile ?? usable[0] ?? null;
  }
  if (codec === 'hevc') {
    return (
      offer.formats.find((f) => (f.codec === 'H265' || f.codec === 'HEVC') && f.clockRate === 90000) ?? null
    );
  }
  return null;
}
