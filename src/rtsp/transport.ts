/**
 * The Transport header (RFC 2326 §12.39). A client lists the transports it accepts, best first,
 * separated by commas; each is a protocol spec plus ;-separated parameters:
 *
 *   Transport: RTP/AVP/TCP;unicast;interleaved=0-1, RTP/AVP;unicast;client_port=5000-5001
 *
 * kadr serves unicast RTP/AVP over UDP (client_port pairs) and RTP/AVP/TCP interleaved.
 */
export type TransportSpec =
  | { kind: 'udp'; clientRtpPort: number; clientRtcpPort: number }
  | { kind: 'tcp'; rtpChannel: number; rtcpChannel: number | undefined };

export interface ParsedTransportOption {
  protocol: string;
  params: Map<string, string | true>;
}

export function parseTransportHeader(value: string): ParsedTransportOption[] {
  return value
    .split(',')
    .map((opt) => opt.trim())
    .filter((opt) => opt.length > 0)
    .map((opt) => {
      const [protocol = '', ...rest] = opt.split(';').map((p) => p.trim());
      const params = new Map<string, string | true>();
      for (const p of rest) {
        if (!p) continue;
        const eq = p.indexOf('=');
        if (eq < 0) params.set(p.toLowerCase(), true);
        else params.set(p.slice(0, eq).toLowerCase(), p.slice(eq + 1));
      }
      return { protocol: protocol.toUpperCase(), params };
    });
}

function portRange(value: string | true | undefined): [number, number | undefined] | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = m[2] === undefined ? undefined : Number(m[2]);
  return [a, b];
}

/** The first option kadr can serve, or undefined (the caller answers 461 Unsupported Transport). */
export function chooseTransport(value: string): TransportSpec | undefined {
  for (const opt of parseTransportHeader(value)) {
    // Multicast and other profiles (RTP/SAVP, RAW/RAW/UDP) are not served.
    if (opt.params.has('multicast')) continue;
    if (opt.protocol === 'RTP/AVP/TCP') {
      const range = portRange(opt.params.get('interleaved'));
      if (opt.params.has('interleaved') && !range) continue;
      const rtp = range?.[0] ?? 0;
      const rtcp = range ? range[1] : 1;
      if (rtp > 255 || (rtcp !== undefined && rtcp > 255)) continue;
      return { kind: 'tcp', rtpChannel: rtp, rtcpChannel: rtcp };
    }
    if (opt.protocol === 'RTP/AVP' || opt.protocol === 'RTP/AVP/UDP') {
      const range = portRange(opt.params.get('client_port'));
      if (!range) continue;
      const [rtp, rtcp = rtp + 1] = range;
      if (rtp < 1 || rtp > 65535 || rtcp < 1 || rtcp > 65535) continue;
      return { kind: 'udp', clientRtpPort: rtp, clientRtcpPort: rtcp };
    }
  }
  return undefined;
}

export function formatTransport(
  spec: TransportSpec,
  extra: { serverRtpPort?: number; ssrc?: number } = {},
): string {
  const ssrc =
    extra.ssrc === undefined ? '' : `;ssrc=${extra.ssrc.toString(16).toUpperCase().padStart(8, '0')}`;
  if (spec.kind === 'tcp') {
    const channels =
      spec.rtcpChannel === undefined ? `${spec.rtpChannel}` : `${spec.rtpChannel}-${spec.rtcpChannel}`;
    return `RTP/AVP/TCP;unicast;interleaved=${channels}${ssrc}`;
  }
  const server =
    extra.serverRtpPort === undefined ? '' : `;server_port=${extra.serverRtpPort}-${extra.serverRtpPort + 1}`;
  return `RTP/AVP;unicast;client_port=${spec.clientRtpPort}-${spec.clientRtcpPort}${server}${ssrc}`;
}
