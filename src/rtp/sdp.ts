/**
 * SDP for DESCRIBE (RFC 4566, RFC 2326 appendix C). The media sections (rtpmap, fmtp with
 * sprop-parameter-sets / sprop-vps...) come from libavformat's av_sdp_create through src/media; this file
 * only splits SDP text and assembles kadr's session description around those sections:
 *  - the session level is ours (origin, name, `a=control:*`, `a=range`);
 *  - each media section gets our control URL and loses `a=control:streamid=N`;
 *  - `a=framerate` is dropped: a VFR file's r_frame_rate is not its frame rate, and kadr's timestamps
 *    come from PTS (shared/reference/media §4).
 */
export interface SdpParts {
  session: string[];
  media: string[][];
}

export function splitSdp(sdp: string): SdpParts {
  const lines = sdp.split(/\r?\n/).filter((l) => l.length > 0);
  const session: string[] = [];
  const media: string[][] = [];
  for (const line of lines) {
    if (line.startsWith('m=')) media.push([line]);
    else if (media.length > 0) media[media.length - 1]!.push(line);
    else session.push(line);
  }
  return { session, media };
}

/** One media section with kadr's control attribute; transport-level lines that do not apply are removed. */
export function rewriteMediaSection(section: string[], control: string): string[] {
  const out = section.filter((l) => !l.startsWith('a=control:') && !l.startsWith('a=framerate:'));
  // av_sdp_create writes `m=video 0 RTP/AVP 96` for a callback muxer: port 0 is right for RTSP (§C.1.1).
  out.push(`a=control:${control}`);
  return out;
}

export interface SessionSdpOptions {
  sessionName: string;
  /** The address the client reached us on, for o= and c= (`0.0.0.0` is allowed). */
  address: string;
  durationSec?: number;
  mediaSections: string[][];
  /** o= session id; stable per mount so a client can tell versions apart. */
  sessionId?: string;
}

export function buildSessionSdp(o: SessionSdpOptions): string {
  const ipVersion = o.address.includes(':') ? 'IP6' : 'IP4';
  const name = o.sessionName.replace(/[\r\n]/g, ' ') || 'kadr';
  const lines = [
    'v=0',
    `o=- ${o.sessionId ?? '0'} 1 IN ${ipVersion} ${o.address}`,
    `s=${name}`,
    `c=IN ${ipVersion} 0.0.0.0`,
    't=0 0',
    'a=tool:kadr',
    'a=control:*',
    o.durationSec === undefined ? 'a=range:npt=0-' : `a=range:npt=0-${o.durationSec.toFixed(3)}`,
    ...o.mediaSections.flat(),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** The value of the first `a=<name>:` attribute in a list of lines. */
export function sdpAttribute(lines: string[], name: string): string | undefined {
  const prefix = `a=${name}:`;
  return lines.find((l) => l.startsWith(prefix))?.slice(prefix.length);
}
