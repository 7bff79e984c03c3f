/**
 * A minimal WHEP sender made of werift 0.24, bench-only: the alternative to kadr's libdatachannel
 * sender (src/webrtc) that bench/webrtc-viewers.ts measures it against. It sends what kadr's sends:
 * the same lease on the same live view (LiveViews), from the newest keyframe, the camera's access
 * units with the parameter sets put before keyframes (src/webrtc/access-unit.ts) and the camera's RTP
 * timestamps, packetized here (werift has H.264 depacketizers only) as RFC 6184 single NAL unit and
 * FU-A packets of at most 1200 bytes of payload, as kadr's. werift itself does SRTP, RTCP sender
 * reports and NACK answers.
 *
 * What it leaves out on purpose: H.265, picture-loss restarts, the liveness timeout, announced hosts.
 * werift 0.24 has no ICE UDP mux (its PeerConfig has `icePortRange`, whose ends must differ, and no
 * shared socket): every viewer gets a UDP port of its own, which `ports` collects from the answers.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  MediaStreamTrack,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  RtpPacket,
  type RTCRtpTransceiver,
} from 'werift';
import { splitAnnexB } from '../src/rtp/index.js';
import type { LiveViewLease, LiveViewSource } from '../src/streams/index.js';
import { withParameterSets } from '../src/webrtc/access-unit.js';
import { rtpTimestampOf } from '../src/webrtc/viewer.js';

const MAX_FRAGMENT = 1200;

/** RFC 6184 §5.6 single NAL unit packets, §5.8 FU-A for NAL units above `max` bytes. */
export function packetizeH264(accessUnit: Buffer, max = MAX_FRAGMENT): Buffer[] {
  const out: Buffer[] = [];
  for (const nal of splitAnnexB(accessUnit)) {
    if (nal.length === 0) continue;
    if (nal.length <= max) {
      out.push(nal);
      continue;
    }
    const header = nal[0]!;
    const indicator = (header & 0xe0) | 28;
    for (let off = 1; off < nal.length; off += max - 2) {
      const end = Math.min(nal.length, off + max - 2);
      const fu = (header & 0x1f) | (off === 1 ? 0x80 : 0) | (end === nal.length ? 0x40 : 0);
      out.push(Buffer.concat([Buffer.from([indicator, fu]), nal.subarray(off, end)]));
    }
  }
  return out;
}

class WeriftViewer {
  private seq = Math.floor(Math.random() * 0xffff);
  private closed = false;

  constructor(
    readonly pc: RTCPeerConnection,
    private readonly transceiver: RTCRtpTransceiver,
    private readonly lease: LiveViewLease,
  ) {}

  async pump(): Promise<void> {
    let waitKey = true;
    for (;;) {
      const item = await this.lease.subscription.next();
      if (this.closed || !item) return;
      if (item.kind === 'gap') {
        waitKey = true;
        continue;
      }
      const unit = item.unit;
      if (waitKey && !unit.key) continue;
      waitKey = false;
      const data = unit.key
        ? withParameterSets(unit.data, 'h264', this.lease.stream()?.info.parameterSets)
        : unit.data;
      const timestamp = rtpTimestampOf(unit);
      const payloads = packetizeH264(data);
      payloads.forEach((payload, i) => {
        const header = new RtpHeader({
          sequenceNumber: this.seq,
          timestamp,
          marker: i === payloads.length - 1,
          payloadType: 96,
        });
        this.seq = (this.seq + 1) & 0xffff;
        void this.transceiver.sender.sendRtp(new RtpPacket(header, payload));
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.lease.close();
    await this.pc.close();
  }
}

export class WeriftWhepSender {
  private readonly viewers = new Map<string, WeriftViewer>();
  /** The UDP port of each answer's first host candidate, in the order of the offers. */
  readonly ports: number[] = [];

  constructor(private readonly source: LiveViewSource) {}

  get sessions(): number {
    return this.viewers.size;
  }

  async offer(name: string, sdp: string): Promise<{ session: string; sdp: string }> {
    const session = randomUUID();
    const lease = this.source.acquire(name, 'original', `werift ${session}`);
    const pc = new RTCPeerConnection({
      codecs: {
        video: [
          new RTCRtpCodecParameters({
            mimeType: 'video/H264',
            clockRate: 90000,
            parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640033',
            rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
          }),
        ],
      },
    });
    const transceiver = pc.addTransceiver(new MediaStreamTrack({ kind: 'video' }), { direction: 'sendonly' });
    const viewer = new WeriftViewer(pc, transceiver, lease);
    this.viewers.set(session, viewer);
    pc.connectionStateChange.subscribe((state) => {
      if (process.env.BENCH_DEBUG) process.stderr.write(`werift ${session} ${state}\n`);
      if (state === 'connected') void viewer.pump();
      if (state === 'failed' || state === 'closed') void this.end(session);
    });
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    if (pc.iceGatheringState !== 'complete') {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1000);
        pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && (clearTimeout(t), resolve()));
      });
    }
    const answer = pc.localDescription!.sdp;
    const port = /^a=candidate:\S+ 1 udp \d+ \S+ (\d+) typ host/im.exec(answer)?.[1];
    if (port) this.ports.push(Number(port));
    return { session, sdp: answer };
  }

  async end(session: string): Promise<boolean> {
    const viewer = this.viewers.get(session);
    if (!viewer) return false;
    this.viewers.delete(session);
    await viewer.close();
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([...this.viewers.keys()].map((s) => this.end(s)));
  }

  /** POST /api/live/:name/whep and DELETE /api/live/:name/whep/:session, as kadr's WHEP routes. */
  routes(app: FastifyInstance): void {
    app.addContentTypeParser('application/sdp', { parseAs: 'string' }, (_req, body, done) =>
      done(null, body),
    );
    app.post<{ Params: { name: string } }>('/api/live/:name/whep', async (request, reply) => {
      const answer = await this.offer(request.params.name, request.body as string);
      return reply
        .code(201)
        .header('content-type', 'application/sdp')
        .header('location', `/api/live/${request.params.name}/whep/${answer.session}`)
        .send(answer.sdp);
    });
    app.delete<{ Params: { name: string; session: string } }>(
      '/api/live/:name/whep/:session',
      async (request, reply) => reply.code((await this.end(request.params.session)) ? 200 : 404).send(),
    );
  }
}
