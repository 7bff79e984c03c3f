/**
 * The viewers of bench/webrtc-viewers.ts, in a process of their own so that their CPU is not counted
 * as the sender's: VIEWERS WHEP peers made of libdatachannel's peer connection (receive only, packets
 * counted, nothing decoded). After WARM seconds it measures for SECONDS: for every frame (the RTP
 * packet with the marker bit) its arrival against its RTP timestamp, relative to the earliest such
 * offset of that viewer; a frame whose offset is more than LATE_MS above it arrived late.
 * Prints one JSON line.
 *
 * usage: node --import tsx bench/webrtc-receivers.ts URL VIEWERS SECONDS [WARM=5] [LATE_MS=100]
 */
import { cleanup, PeerConnection, RtcpReceivingSession, Video } from 'node-datachannel';

const [url, nArg, secArg, warmArg, lateArg] = process.argv.slice(2);
const viewers = Number(nArg);
const seconds = Number(secArg);
const warm = Number(warmArg ?? 5);
const lateMs = Number(lateArg ?? 100);

interface Viewer {
  pc: PeerConnection;
  offsets: number[];
  location: string | null;
}

let measuring = false;
let packets = 0;

async function join(): Promise<Viewer> {
  const pc = new PeerConnection('viewer', { iceServers: [] });
  const video = new Video('0', 'RecvOnly');
  video.addH264Codec(96, 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f');
  const track = pc.addTrack(video);
  track.setMediaHandler(new RtcpReceivingSession());
  const v: Viewer = { pc, offsets: [], location: null };
  let wraps = 0;
  let last = -1;
  track.onMessage((msg) => {
    if (msg.length < 12 || (msg[1]! >= 192 && msg[1]! <= 223)) return;
    if (measuring) packets++;
    if (!(msg[1]! & 0x80)) return;
    const ts = msg.readUInt32BE(4);
    if (last >= 0 && ts < last && last - ts > 2 ** 31) wraps++;
    last = ts;
    if (measuring) v.offsets.push(performance.now() - (ts + wraps * 2 ** 32) / 90);
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
  v.location = res.headers.get('location');
  pc.setRemoteDescription(await res.text(), 'answer');
  return v;
}

const all: Viewer[] = [];
// libdatachannel makes its certificate when the process's first peer needs it; peers started at once
// before that failed their DTLS handshake ("unknown CA") now and then, so the first joins alone.
if (viewers > 0) all.push(await join());
for (let i = all.length; i < viewers; i += 10) {
  all.push(...(await Promise.all(Array.from({ length: Math.min(10, viewers - i) }, join))));
}
await new Promise((r) => setTimeout(r, warm * 1000));
measuring = true;
console.log(JSON.stringify({ measuring: true }));
await new Promise((r) => setTimeout(r, seconds * 1000));
measuring = false;
const lateness: number[] = [];
let frames = 0;
for (const v of all) {
  if (v.offsets.length === 0) continue;
  const base = Math.min(...v.offsets);
  for (const o of v.offsets) lateness.push(o - base);
  frames += v.offsets.length;
}
lateness.sort((a, b) => a - b);
const q = (p: number) => lateness[Math.min(lateness.length - 1, Math.floor(p * lateness.length))] ?? NaN;
const late = lateness.filter((l) => l > lateMs).length;
console.log(
  JSON.stringify({
    viewers,
    frames,
    packetsPerViewerPerSecond: viewers ? packets / viewers / seconds : 0,
    framesPerViewerPerSecond: viewers ? frames / viewers / seconds : 0,
    p50: q(0.5),
    p99: q(0.99),
    max: lateness.at(-1) ?? NaN,
    late,
  }),
);
const origin = new URL(url!).origin;
await Promise.all(all.map((v) => (v.location ? fetch(origin + v.location, { method: 'DELETE' }) : null)));
for (const v of all) v.pc.close();
cleanup();
process.exit(0);
