/**
 * Where a live frame waits on its way to a WebRTC viewer, hop by hop, without a browser: the frames'
 * capture time, their arrival straight from the camera, and their arrival at a WHEP viewer of `kadr
 * serve`. Glass-to-glass (live-latency.ts) says how late the picture is; this says which hop adds the
 * delay, and whether frames arrive evenly (one every 40 ms at 25 fps) or bunched, which a player's
 * jitter buffer must absorb by waiting.
 *
 *  - capture: the camera (gst-clock-camera.py) puts each frame's capture wallclock in its RTCP sender
 *    reports, the same clock it draws into the picture, so the wallclock of an RTP timestamp is its
 *    capture time.
 *  - camera → a direct RTSP/TCP client in this process (kadr's RtspClient reading each chunk at once,
 *    RtpReceiver): when each access unit's last packet arrived straight from the camera.
 *  - kadr → a WHEP viewer in this process (werift, a second WebRTC stack): when each frame's marker
 *    packet arrived. kadr sends the camera's own RTP timestamps, so frames are matched by timestamp.
 * Per hop: delay after capture (p50, p95), RTP interarrival jitter (RFC 3550 §6.4.1, per frame), and
 * the share of frames that came less than 10 ms after the one before (bunched: at 25 fps they are
 * 40 ms apart). The load average is printed beside, as other work on the machine moves these numbers.
 *
 * usage: node --import tsx bench/live-hops.ts [--seconds 30]
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import { parseSdpVideo, RtpReceiver } from '../src/rtp/index.js';
import { RtspClient } from '../src/rtsp/index.js';
import { callApi } from '../test/integration/api/support/api-call.js';
import { startClockCamera } from '../test/integration/api/support/drawn-time.js';
import { quantile } from '../test/integration/api/support/hls-browser.js';
import { kadrEnv, startKadr } from '../test/integration/api/support/kadr-process.js';
import { freeUdpPort } from '../test/integration/webrtc/whep-peers.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '30' } } });
const seconds = Number(values.seconds);
const WARM_UP_MS = 4000;
const BUNCHED_MS = 10;

const now = () => performance.timeOrigin + performance.now();

/** RTP timestamp → capture wallclock (ms), and its arrival straight from the camera. */
const direct = new Map<number, { captureMs: number; atMs: number }>();
/** RTP timestamp → arrival of the frame's marker packet at the WHEP viewer. */
const viewer = new Map<number, number>();
let sampling = false;

async function pullDirect(url: string): Promise<RtspClient> {
  const client = await RtspClient.connect(url, { transport: 'tcp', timeoutMs: 5000 });
  client.setReadAtOnce(true);
  const { sdp, baseUrl } = await client.describe();
  const track = parseSdpVideo(sdp, baseUrl);
  if (!track) throw new Error('the camera has no video');
  const receiver = new RtpReceiver(track, {
    reorderDelayMs: 0,
    sendRtcp: (p) => client.sendRtcp(p),
    onUnit: (u) => {
      if (!sampling || u.ntpMs === null || u.rtpTimestamp === undefined) return;
      direct.set(u.rtpTimestamp >>> 0, { captureMs: u.ntpMs, atMs: u.receivedAtMs });
    },
    onBye: () => {},
  });
  await client.setup(track.controlUrl, {
    onRtp: (p) => receiver.rtp(p),
    onRtcp: (p) => receiver.rtcp(p),
    onEnd: () => {},
  });
  await client.play();
  return client;
}

async function watch(base: string, token: string, whep: string): Promise<RTCPeerConnection> {
  const pc = new RTCPeerConnection({
    codecs: {
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/H264',
          clockRate: 90000,
          rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
          parameters: 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1',
        }),
      ],
    },
  });
  const transceiver = pc.addTransceiver('video', { direction: 'recvonly' });
  transceiver.onTrack.subscribe((track) => {
    track.onReceiveRtp.subscribe((rtp) => {
      if (sampling && rtp.header.marker) viewer.set(rtp.header.timestamp >>> 0, now());
    });
  });
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise<void>((resolve) => {
    if (pc.iceGatheringState === 'complete') resolve();
    pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && resolve());
  });
  const res = await fetch(`${base}${whep}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/sdp' },
    body: pc.localDescription!.sdp,
  });
  if (res.status !== 201) throw new Error(`WHEP answered ${res.status}: ${await res.text()}`);
  await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  return pc;
}

/** Delay after capture, RFC 3550 interarrival jitter and bunching of one hop's arrivals. */
function hop(frames: { rtp: number; captureMs: number; atMs: number }[]): string {
  const sorted = [...frames].sort((a, b) => a.atMs - b.atMs);
  const delays = sorted.map((f) => f.atMs - f.captureMs);
  let jitter = 0;
  let bunched = 0;
  for (let i = 1; i < sorted.length; i++) {
    const d = sorted[i]!.atMs - sorted[i - 1]!.atMs - (sorted[i]!.rtp - sorted[i - 1]!.rtp) / 90;
    jitter += (Math.abs(d) - jitter) / 16;
    if (sorted[i]!.atMs - sorted[i - 1]!.atMs < BUNCHED_MS) bunched++;
  }
  const pct = (100 * bunched) / Math.max(1, sorted.length - 1);
  return `| ${sorted.length} | ${quantile(delays, 0.5).toFixed(1)} | ${quantile(delays, 0.95).toFixed(1)} | ${jitter.toFixed(1)} | ${pct.toFixed(0)}% |`;
}

const token = randomBytes(16).toString('hex');
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-bench-live-hops-'));
// The embedded PostgreSQL runs as its own user, who must be able to enter the data folder.
await chmod(dataDir, 0o755);
const camera = await startClockCamera();
const kadr = await startKadr(
  ['serve', '--port', '0', '--data', dataDir, '--concurrency', '0', '--rtsp-port', '0'],
  kadrEnv({ KADR_API_TOKEN: token, KADR_WEBRTC_PORT: String(await freeUdpPort()) }),
).catch(async (error: unknown) => {
  await camera.kill();
  throw error;
});
let client: RtspClient | null = null;
let pc: RTCPeerConnection | null = null;
try {
  const created = await callApi(kadr.url, token, 'POST', '/api/cameras', { name: 'bench', url: camera.url });
  if (created.status !== 201) throw new Error(created.text);
  const list = await callApi(kadr.url, token, 'GET', '/api/live');
  const entry = (JSON.parse(list.text) as { name: string; whep: string }[]).find((e) => e.name === 'bench');
  if (!entry) throw new Error(`bench is not listed: ${list.text}`);
  client = await pullDirect(camera.url);
  pc = await watch(kadr.url, token, entry.whep);
  await new Promise((r) => setTimeout(r, WARM_UP_MS));
  const load0 = os.loadavg()[0]!;
  sampling = true;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  sampling = false;
  const load1 = os.loadavg()[0]!;
  const straight = [...direct].map(([rtp, f]) => ({ rtp, ...f }));
  const through = [...viewer]
    .filter(([rtp]) => direct.has(rtp))
    .map(([rtp, atMs]) => ({ rtp, captureMs: direct.get(rtp)!.captureMs, atMs }));
  const added = through.map((f) => f.atMs - direct.get(f.rtp)!.atMs);
  console.log(
    `live hops, ${seconds} s after ${WARM_UP_MS / 1000} s warm-up; 1-min load average ${load0.toFixed(2)} → ${load1.toFixed(2)} on ${os.cpus().length} CPUs`,
  );
  console.log(`| hop | frames | delay after capture p50 (ms) | p95 | RTP jitter (ms) | bunched (<${BUNCHED_MS} ms after the previous) |`); // prettier-ignore
  console.log('|---|---|---|---|---|---|');
  console.log(`| camera → direct RTSP client ${hop(straight)}`);
  console.log(`| camera → kadr → WHEP viewer (werift) ${hop(through)}`);
  if (added.length > 0) {
    console.log(
      `kadr's share (viewer arrival − direct arrival): p50 ${quantile(added, 0.5).toFixed(1)} ms, p95 ${quantile(added, 0.95).toFixed(1)} ms; ${viewer.size - through.length} viewer frames unmatched`,
    );
  }
} finally {
  await pc?.close();
  await client?.close();
  await kadr.stop();
  await camera.kill();
  await rm(dataDir, { recursive: true, force: true });
}
