/**
 * The viewers of bench/webrtc-viewers.ts, in a process of their own so that their CPU is not counted
 * as the sender's: VIEWERS WHEP peers made of werift (test/integration/webrtc/whep-werift.ts: receive
 * only, nothing decoded). werift rather than libdatachannel: libdatachannel's receiving track got no
 * RTP at all from kadr's 1080p stream (its SRTP layer unprotected every packet, its RTCP receiver
 * report said highest sequence 0), and one WebRTC stack on both ends would hide what only the other
 * side sees. After WARM seconds it measures for SECONDS: the complete frames each viewer got (every
 * packet from the previous marker to the frame's own marker, FrameCounter), and for each the arrival
 * of its last packet against its RTP timestamp, relative to the earliest such offset of that viewer
 * (a frame more than LATE_MS above it arrived late: jitter as the viewer sees it, the camera's own
 * included). Prints one JSON line when measuring starts and one with the result, with this process's
 * own CPU and, per viewer, each complete frame's 32-bit RTP timestamp and wallclock arrival
 * (`arrivals`: [ts, ms since the epoch, ts, ms, ...]), which the parent matches with the time the
 * frame reached the sender.
 *
 * usage: node --import tsx bench/webrtc-receivers.ts URL VIEWERS SECONDS [WARM=5] [LATE_MS=100]
 */
import dgram from 'node:dgram';
import { syncBuiltinESMExports } from 'node:module';
import { FrameCounter, weriftViewer, type WeriftViewer } from '../test/integration/webrtc/whep-werift.js';

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

interface Viewer {
  peer: WeriftViewer | null;
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
  v.peer = await weriftViewer(url!, {
    onRtp: (rtp) => v.counter.push(rtp),
  });
  if (v.peer.status !== 201) throw new Error(`WHEP ${v.peer.status}: ${v.peer.body}`);
  return v;
}

// Viewers join BATCH at a time (JOIN_BATCH, 10 by default).
const batch = Number(process.env.JOIN_BATCH ?? 10);
const all: Viewer[] = [];
for (let i = 0; i < viewers; i += batch) {
  all.push(...(await Promise.all(Array.from({ length: Math.min(batch, viewers - i) }, join))));
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
