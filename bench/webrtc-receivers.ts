/**
 * The viewers of bench/webrtc-viewers.ts, in a process of their own so that their CPU is not counted
 * as the sender's: VIEWERS WHEP peers, receive only, nothing decoded, made of werift
 * (test/integration/webrtc/whep-werift.ts) or, with RX_STACK=libdatachannel, of node-datachannel
 * (native, cheaper per packet). A libdatachannel viewer must keep its Track object referenced:
 * node-datachannel closes a track whose JavaScript object is garbage-collected, after which no more
 * RTP arrives (this bench's earlier receivers held only the peer connection, and at 1080p, where
 * garbage piles up fast, got no video at all). After WARM seconds it measures for SECONDS: the complete
 * frames each viewer got (every packet from the previous marker to the frame's own marker,
 * FrameCounter), and for each the arrival of its last packet against its RTP timestamp, relative to
 * the earliest such offset of that viewer (a frame more than LATE_MS above it arrived late: jitter as
 * the viewer sees it, the camera's own included). Prints one JSON line when measuring starts and one
 * with the result, with this process's own CPU and, per viewer, each complete frame's 32-bit RTP
 * timestamp and wallclock arrival (`arrivals`: [ts, ms since the epoch, ts, ms, ...]), which the
 * parent matches with the time the frame reached the sender.
 *
 * usage: node --import tsx bench/webrtc-receivers.ts URL VIEWERS SECONDS [WARM=5] [LATE_MS=100]
 */
import dgram from 'node:dgram';
import { syncBuiltinESMExports } from 'node:module';
import { PeerConnection, RtcpReceivingSession, Video, type Track } from 'node-datachannel';
import type { RtpPacket } from 'werift';
import { FrameCounter, weriftViewer } from '../test/integration/webrtc/whep-werift.js';

// Each viewer's socket gets a 4 MiB receive buffer (the most net.core.rmem_max allows here): Linux's
// default (net.core.rmem_default, 208 KiB) holds fewer packets than one keyframe of the 1080p clip,
// and a burst that arrives while this process's event loop is busy with other viewers would be
// dropped by the kernel, counted against the sender. werift's ES module imports dgram's createSocket
// by name: syncBuiltinESMExports() makes that binding see the replacement.
const createSocket = dgram.createSocket;
(dgram as { createSocket: unknown }).createSocket = (type: dgram.SocketType) =>
  createSocket({ type, recvBufferSize: 4 * 2 ** 20 });
syncBuiltinESMExports();

const [url, nArg, secArg, warmArg, lateArg] = process.argv.slice(2);
const viewers = Number(nArg);
const seconds = Number(secArg);
const warm = Number(warmArg ?? 5);
const lateMs = Number(lateArg ?? 100);

interface Peer {
  close(): Promise<unknown>;
}

interface Viewer {
  peer: Peer | null;
  offsets: number[];
  arrivals: number[];
  counter: FrameCounter;
}

let measuring = false;

async function join(): Promise<Viewer> {
  const v: Viewer = {
    peer: null,
    offsets: [],
    arrivals: [],
    counter: new FrameCounter((f) => {
      if (!measuring) return;
      v.offsets.push(f.arrivedMs - f.rtpTime / 90);
      v.arrivals.push(f.rtpTime % 2 ** 32, Math.round((performance.timeOrigin + f.arrivedMs) * 10) / 10);
    }),
  };
  if (process.env.RX_STACK === 'libdatachannel') {
    // Now and then libdatachannel refuses the answer ("Got a remote candidate without ICE
    // transport"); that viewer tries again with a new peer.
    for (let attempt = 1; !v.peer; attempt++) {
      try {
        v.peer = await libdatachannelViewer((rtp) => v.counter.push(rtp));
      } catch (error) {
        if (attempt === 3) throw error;
        process.stderr.write(`viewer retries: ${(error as Error).message}\n`);
      }
    }
    return v;
  }
  const peer = await weriftViewer(url!, { onRtp: (rtp) => v.counter.push(rtp) });
  if (peer.status !== 201) throw new Error(`WHEP ${peer.status}: ${peer.body}`);
  v.peer = peer;
  return v;
}

/** What FrameCounter reads of an RTP packet (RFC 3550 §5.1), from libdatachannel's raw bytes. */
function rtpOf(msg: Buffer): RtpPacket {
  const header = {
    sequenceNumber: msg.readUInt16BE(2),
    timestamp: msg.readUInt32BE(4),
    marker: !!(msg[1]! & 0x80),
  };
  return { header, payload: msg.subarray(12) } as unknown as RtpPacket;
}

const tracks: Track[] = [];

async function libdatachannelViewer(onRtp: (rtp: RtpPacket) => void): Promise<Peer> {
  const pc = new PeerConnection('viewer', { iceServers: [] });
  const video = new Video('0', 'RecvOnly');
  video.addH264Codec(96, 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640033');
  const track = pc.addTrack(video);
  tracks.push(track); // see above: a collected Track stops receiving
  track.setMediaHandler(new RtcpReceivingSession());
  track.onMessage((msg) => {
    // RTCP packet types 200-207 (RFC 5761 §4), the marker bit aside
    if (msg.length >= 12 && !(msg[1]! >= 192 && msg[1]! <= 223)) onRtp(rtpOf(msg));
  });
  const gathered = new Promise<void>((resolve) =>
    pc.onGatheringStateChange((s) => s === 'complete' && resolve()),
  );
  pc.setLocalDescription();
  await Promise.race([gathered, new Promise((r) => setTimeout(r, 2000))]);
  const res = await fetch(url!, {
    method: 'POST',
    headers: { 'content-type': 'application/sdp' },
    body: pc.localDescription()!.sdp,
  });
  if (res.status !== 201) throw new Error(`WHEP ${res.status}: ${await res.text()}`);
  const location = res.headers.get('location');
  try {
    pc.setRemoteDescription(await res.text(), 'answer');
  } catch (error) {
    if (location) await fetch(new URL(location, url), { method: 'DELETE' });
    pc.close();
    throw error;
  }
  return {
    close: async () => {
      if (location) await fetch(new URL(location, url), { method: 'DELETE' });
      pc.close();
    },
  };
}

// Viewers join BATCH at a time (JOIN_BATCH, 10 by default). libdatachannel makes its certificate when
// the process's first peer needs it; peers started at once before that failed their DTLS handshake
// ("unknown CA") now and then, so its first viewer joins alone.
const batch = Number(process.env.JOIN_BATCH ?? 10);
const all: Viewer[] = [];
for (let i = 0; i < viewers;) {
  const size = Math.min(i === 0 && process.env.RX_STACK === 'libdatachannel' ? 1 : batch, viewers - i);
  all.push(...(await Promise.all(Array.from({ length: size }, join))));
  i += size;
}
await new Promise((r) => setTimeout(r, warm * 1000));
const brokenBefore = all.reduce((s, v) => s + v.counter.broken, 0);
const packetsBefore = all.reduce((s, v) => s + v.counter.packets, 0);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
measuring = true;
console.log(JSON.stringify({ measuring: true }));
await new Promise((r) => setTimeout(r, seconds * 1000));
measuring = false;
const cpu = process.cpuUsage(cpu0);
const elapsed = (performance.now() - t0) / 1000;
const lateness: number[] = [];
let frames = 0;
let silent = 0;
for (const v of all) {
  if (v.offsets.length === 0) {
    silent++;
    continue;
  }
  const base = Math.min(...v.offsets);
  for (const o of v.offsets) lateness.push(o - base);
  frames += v.offsets.length;
}
lateness.sort((a, b) => a - b);
const q = (p: number) => lateness[Math.min(lateness.length - 1, Math.floor(p * lateness.length))] ?? NaN;
const late = lateness.filter((l) => l > lateMs).length;
const packets = all.reduce((s, v) => s + v.counter.packets, 0) - packetsBefore;
console.log(
  JSON.stringify({
    viewers,
    frames,
    silent,
    broken: all.reduce((s, v) => s + v.counter.broken, 0) - brokenBefore,
    packetsPerViewerPerSecond: viewers ? packets / viewers / elapsed : 0,
    framesPerViewerPerSecond: viewers ? frames / viewers / elapsed : 0,
    p50: q(0.5),
    p99: q(0.99),
    max: lateness.at(-1) ?? NaN,
    late,
    receiverCpu: ((cpu.user + cpu.system) / 1e6 / elapsed) * 100,
    arrivals: all.map((v) => v.arrivals),
  }),
);
await Promise.all(all.map((v) => v.peer?.close()));
process.exit(0);
