/**
 * The video track of a DESCRIBE answer, as an RTSP client needs it (RFC 4566, RFC 2326 §C.1):
 * payload type, encoding and clock rate (a=rtpmap), format parameters (a=fmtp: sprop-parameter-sets
 * for H.264, sprop-vps/sps/pps for H.265), the control URL to SETUP, and the announced length.
 */
import { sdpAttribute, splitSdp } from './sdp.js';

export interface SdpVideoTrack {
  payloadType: number;
  /** Encoding name in upper case as rtpmap gives it: H264, H265, MP4V-ES, ... */
  encoding: string;
  clockRate: number;
  fmtp: Map<string, string>;
  /** Absolute URL for SETUP. */
  controlUrl: string;
  /** Parameter sets from the fmtp (NAL units without start codes), in VPS, SPS, PPS order. */
  parameterSets: Buffer[];
  /** a=range:npt=0-N in ms; null for a live (open-ended) stream. */
  durationMs: number | null;
  /** a=rtcp-fb values for this payload type or `*` (RFC 4585 §4.2): `nack pli`, `ccm fir`, ... */
  rtcpFb: string[];
}

/** The first video track, or undefined when the SDP has none. `baseUrl`: Content-Base or the request URL. */
export function parseSdpVideo(sdp: string, baseUrl: string): SdpVideoTrack | undefined {
  const { session, media } = splitSdp(sdp);
  const section = media.find((m) => m[0]!.startsWith('m=video '));
  if (!section) return undefined;
  const fields = section[0]!.slice(2).split(/\s+/);
  const payloadType = Number(fields[3]);
  if (!Number.isInteger(payloadType)) return undefined;
  const rtpmap = section
    .filter((l) => l.startsWith('a=rtpmap:'))
    .map((l) => /^a=rtpmap:(\d+)\s+([^/\s]+)\/(\d+)/.exec(l))
    .find((m) => m && Number(m[1]) === payloadType);
  const fmtp = new Map<string, string>();
  const fmtpLine = section.find((l) => l.startsWith(`a=fmtp:${payloadType} `));
  for (const part of fmtpLine?.slice(fmtpLine.indexOf(' ') + 1).split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0) fmtp.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const encoding = rtpmap ? rtpmap[2]!.toUpperCase() : staticEncoding(payloadType);
  const sprop =
    encoding === 'H264'
      ? [fmtp.get('sprop-parameter-sets')]
      : [fmtp.get('sprop-vps'), fmtp.get('sprop-sps'), fmtp.get('sprop-pps')];
  const parameterSets = sprop
    .flatMap((v) => (v ? v.split(',') : []))
    .map((b64) => Buffer.from(b64.trim(), 'base64'))
    .filter((b) => b.length > 0);
  const range = sdpAttribute(section, 'range') ?? sdpAttribute(session, 'range');
  const end = range ? /npt=\s*[\d.]+\s*-\s*([\d.]+)/.exec(range) : null;
  return {
    payloadType,
    encoding,
    clockRate: rtpmap ? Number(rtpmap[3]) : 90000,
    fmtp,
    controlUrl: controlUrl(baseUrl, sdpAttribute(section, 'control') ?? sdpAttribute(session, 'control')),
    parameterSets,
    durationMs: end ? Math.round(Number(end[1]) * 1000) : null,
    rtcpFb: section
      .map((l) => /^a=rtcp-fb:(\S+)\s+(.+)$/.exec(l))
      .filter((m) => m && (m[1] === '*' || Number(m[1]) === payloadType))
      .map((m) => m![2]!.trim()),
  };
}

function staticEncoding(pt: number): string {
  return pt === 26 ? 'JPEG' : pt === 32 ? 'MPV' : pt === 33 ? 'MP2T' : `PT${pt}`;
}

/** RFC 2326 §C.1.1: an absolute control URL as is, `*` or none the base itself, else relative to the base. */
export function controlUrl(base: string, control: string | undefined): string {
  if (!control || control === '*') return base;
  if (/^rtsps?:\/\//i.test(control)) return control;
  return base.endsWith('/') ? `${base}${control}` : `${base}/${control}`;
}
