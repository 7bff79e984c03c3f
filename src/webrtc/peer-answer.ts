/**
 * The SDP answer of a peer kadr made for an offer (a WHEP viewer or a WHIP sender): the offer
 * applied, ICE gathering awaited (non-trickle: the candidates go out in the answer), and the
 * candidates replaced by the announced addresses when there are any.
 */
import type { PeerConnection } from 'node-datachannel';

export interface AnswerOptions {
  offer: string;
  /** The longest wait for gathering to complete. */
  gatherMs: number;
  /** Addresses announced to the remote side instead of the gathered candidates (may be empty). */
  hosts: readonly string[];
  /** The one UDP port every peer shares (ICE UDP mux). */
  port: number;
}

/** Applies the offer and returns the answer once ICE gathering completes (or `gatherMs` passed). */
export async function answerOffer(pc: PeerConnection, o: AnswerOptions): Promise<string> {
  const gathered = new Promise<void>((resolve) => {
    const t = setTimeout(resolve, o.gatherMs);
    pc.onGatheringStateChange((state) => {
      if (state === 'complete') {
        clearTimeout(t);
        resolve();
      }
    });
  });
  pc.setRemoteDescription(o.offer, 'offer');
  if (pc.gatheringState() !== 'complete') await gathered;
  const local = pc.localDescription();
  if (!local) throw new Error('libdatachannel made no answer');
  return o.hosts.length > 0 ? announce(local.sdp, o.hosts, o.port) : local.sdp;
}

/** The answer with its candidates replaced by one host candidate per announced address (RFC 8839 §5.1). */
export function announce(sdp: string, hosts: readonly string[], port: number): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp
    .split(/\r?\n/)
    .filter((l) => !l.startsWith('a=candidate:') && l !== 'a=end-of-candidates');
  const out: string[] = [];
  for (const line of lines) {
    out.push(line);
    if (line.startsWith('a=mid:')) {
      hosts.forEach((host, i) => {
        out.push(`a=candidate:${i + 1} 1 UDP ${2130706431 - i} ${host} ${port} typ host`);
      });
      out.push('a=end-of-candidates');
    }
  }
  return out.join(eol);
}
