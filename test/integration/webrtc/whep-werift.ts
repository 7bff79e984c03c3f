/**
 * A WHEP viewer (RFC 9725) made of werift, a WebRTC stack kadr's sender does not share
 * (libdatachannel sends): it offers a recvonly video section with one codec, POSTs the offer, applies
 * the answer and hands every RTP packet of the track to `onRtp`. Nothing is decoded here; the frames
 * are put together by FrameCounter (bench) or depacketized (H.265 test).
 */
import { RTCPeerConnection, RTCRtpCodecParameters, type RtpPacket } from 'werift';

export interface WeriftViewer {
  status: number;
  body: string;
  /** The session URL from the Location header (a path on kadr). */
  location: string | null;
  pc: RTCPeerConnection;
  /** DELETEs the session (when it has one) and closes the peer. */
  close(): Promise<number | null>;
}

const CODECS = {
  h264: () =>
    new RTCRtpCodecParameters({
      mimeType: 'video/H264',
      clockRate: 90000,
      payloadType: 96,
      parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640033',
      rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
    }),
  h265: () =>
    new RTCRtpCodecParameters({
      mimeType: 'video/H265',
      clockRate: 90000,
      payloadType: 98,
      rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
    }),
};

export async function weriftViewer(
  url: string,
  options: { codec?: 'h264' | 'h265'; token?: string; onRtp(packet: RtpPacket): void },
): Promise<WeriftViewer> {
  const pc = new RTCPeerConnection({ codecs: { video: [CODECS[options.codec ?? 'h264']()] } });
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => options.onRtp(rtp)));
  await pc.setLocalDescription(await pc.createOffer());
  // Non-trickle WHEP: the offer carries every candidate.
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 3000);
      pc.iceGatheringStateChange.subscribe((s) => {
        if (s === 'complete') {
          clearTimeout(t);
          resolve();
        }
      });
    });
  }
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/sdp', ...auth },
    body: pc.localDescription!.sdp,
  });
  const body = await res.text();
  const location = res.headers.get('location');
  if (res.status === 201) await pc.setRemoteDescription({ type: 'answer', sdp: body });
  return {
    status: res.status,
    body,
    location,
    pc,
    close: async () => {
      const deleted = location
        ? (await fetch(new URL(location, url), { method: 'DELETE', headers: auth })).status
        : null;
      await pc.close();
      return deleted;
    },
  };
}

/** One complete frame: every packet from the one after the previous marker to its own marker arrived. */
export interface CompleteFrame {
  /** The RTP timestamp, unwrapped past 2^32. */
  rtpTime: number;
  /** performance.now() when its last packet arrived. */
  arrivedMs: number;
  packets: RtpPacket[];
}

/**
 * Puts RTP packets together into frames by the marker bit (RFC 6184 §5.1 and RFC 7798 §4.1: set on
 * the last packet of an access unit) and the sequence numbers: a frame counts as complete only when
 * no sequence number between the previous frame's marker and its own is missing and all its packets
 * share one timestamp. Frames with a hole are counted as `broken`.
 */
export class FrameCounter {
  broken = 0;
  packets = 0;
  private current: RtpPacket[] = [];
  private expectSeq = -1;
  private intact = true;
  private wraps = 0;
  private lastTs = -1;
  /**
   * Packets before the first marker may belong to a frame that began before this viewer joined;
   * with `firstPacketStartsFrame` (a sender that starts every viewer at an access unit, as kadr's
   * does) the first packet is taken as a frame's first.
   */
  private started: boolean;

  constructor(
    private readonly onFrame: (frame: CompleteFrame) => void,
    options: { firstPacketStartsFrame?: boolean } = {},
  ) {
    this.started = options.firstPacketStartsFrame ?? false;
  }

  push(rtp: RtpPacket, now = performance.now()): void {
    this.packets++;
    const { sequenceNumber: seq, timestamp: ts, marker } = rtp.header;
    if (!this.started) {
      this.started = marker;
      this.expectSeq = (seq + 1) & 0xffff;
      return;
    }
    if (this.expectSeq >= 0 && seq !== this.expectSeq) this.intact = false;
    this.expectSeq = (seq + 1) & 0xffff;
    if (this.current.length > 0 && this.current[0]!.header.timestamp !== ts) this.intact = false;
    this.current.push(rtp);
    if (!marker) return;
    if (this.lastTs >= 0 && ts < this.lastTs && this.lastTs - ts > 2 ** 31) this.wraps++;
    this.lastTs = ts;
    if (this.intact) {
      this.onFrame({ rtpTime: ts + this.wraps * 2 ** 32, arrivedMs: now, packets: this.current });
    } else {
      this.broken++;
    }
    this.current = [];
    this.intact = true;
  }
}

const START_CODE = Buffer.from([0, 0, 0, 1]);

/**
 * An H.265 access unit in Annex B from its RTP packets (RFC 7798 §4.4: single NAL unit packets,
 * aggregation packets type 48, fragmentation units type 49; no DONL, as kadr's answer sets no
 * sprop-max-don-diff).
 */
export function depacketizeH265(packets: RtpPacket[]): Buffer {
  const out: Buffer[] = [];
  let fragments: Buffer[] = [];
  for (const { payload } of packets) {
    const type = (payload[0]! >> 1) & 0x3f;
    if (type === 48) {
      for (let off = 2; off + 2 <= payload.length;) {
        const size = payload.readUInt16BE(off);
        out.push(START_CODE, payload.subarray(off + 2, off + 2 + size));
        off += 2 + size;
      }
    } else if (type === 49) {
      const fu = payload[2]!;
      if (fu & 0x80) {
        const header = Buffer.from([(payload[0]! & 0x81) | ((fu & 0x3f) << 1), payload[1]!]);
        fragments = [header];
      }
      fragments.push(payload.subarray(3));
      if (fu & 0x40) out.push(START_CODE, Buffer.concat(fragments));
    } else {
      out.push(START_CODE, payload);
    }
  }
  return Buffer.concat(out);
}
