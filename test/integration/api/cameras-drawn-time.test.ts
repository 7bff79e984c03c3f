/**
 * The frame kadr answers for a wallclock time is the one the camera captured then, read from the
 * picture itself. The camera (gst-clock-camera.py: gst-rtsp-server, a live videotestsrc, x264enc)
 * draws each frame's capture time into it, from the same realtime clock its RTCP sender reports
 * carry. `kadr serve` records it in 2 s segments; the camera is cut for a few seconds and comes back
 * (a new RTSP session, a new RTP clock). Then, for many times across the segments on both sides of
 * the cut, `GET /api/cameras/:id/frame?at=T` is read back with Tesseract: the drawn time must be at or
 * before T by less than one frame interval (the last frame at or before T), and the JSON answer's
 * frameTime must be the drawn time.
 *
 * Segments whose frames all have a wallclock from a sender report answer with the camera's clock
 * (`clock: 'rtcp'`); the first frames of a session, before its first report, only have kadr's
 * receive time (`clock: 'received'`), one encode and one local hop later than the capture: those are
 * held to the frame interval plus that latency, which is measured and printed.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the answers are read field by field, as JSON */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { sleepMs } from '../streams/live-peers.js';
import { callApi } from './support/api-call.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import {
  drawnTimeReader,
  startClockCamera,
  type ClockCamera,
  type DrawnTimeReader,
} from './support/drawn-time.js';
import { kadrEnv, startKadr, type KadrProcess } from './support/kadr-process.js';

/** The camera's frame interval (25 fps). */
const FRAME_MS = 40;
/** Drawn and stored times are each whole milliseconds, cut from (nearly) the same instant. */
const ROUNDING_MS = 1;
/** Capture to kadr's receipt on this machine (encode, packetize, one local hop), for 'received' frames. */
const RECEIVE_LATENCY_MS = 500;

const token = randomBytes(24).toString('hex');
let tdb: TestDatabase;
let dataDir: string;
let camera: ClockCamera;
let kadr: KadrProcess;
let reader: DrawnTimeReader;

const api = (method: string, url: string, body?: unknown) => callApi(kadr.url, token, method, url, body);

before(async () => {
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-drawn-time-'));
  camera = await startClockCamera();
  reader = await drawnTimeReader();
  kadr = await startKadr(
    ['serve', '--port', '0', '--data', dataDir, '--concurrency', '0', '--rtsp-port', '0'],
    kadrEnv({ DATABASE_URL: tdb.url, KADR_API_TOKEN: token, KADR_CAMERA_SEGMENT_SECONDS: '2' }),
  );
});
after(async () => {
  await kadr?.stop();
  await camera?.kill();
  await reader?.close();
  await tdb?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

async function waitLive(id: string, connections: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const cam = (await api('GET', `/api/cameras/${id}`)).json;
    if (cam.state === 'live' && camera.connected >= connections) return;
    assert.ok(Date.now() < deadline, `camera not live: ${JSON.stringify(cam)}`);
    await sleepMs(200);
  }
}

/**
 * Times to ask in a segment [startMs, endMs): its first frame, spread inside, its last ms. The list
 * gives whole milliseconds, cut down from the first frame's wallclock: startMs itself may be a
 * fraction of a millisecond before it, hence startMs + 1.
 */
function timesIn(startMs: number, endMs: number): number[] {
  const span = endMs - startMs;
  return [1, FRAME_MS - 1, 0.17 * span, 0.5 * span, 0.83 * span, span - 1].map((d) =>
    Math.floor(startMs + d),
  );
}

test('the frame at a wallclock time shows that time, across segments and a reconnect', async () => {
  const created = await api('POST', '/api/cameras', { name: 'clock', url: camera.url, record: true });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id as string;
  const t0 = Date.now();
  await waitLive(id, 1);
  await sleepMs(9_000);
  // The camera goes away (its process killed, as a power cut) and comes back on the same address.
  await camera.kill();
  const cutAt = Date.now();
  await sleepMs(4_000);
  await camera.restart();
  await waitLive(id, 2);
  await sleepMs(9_000);
  const stopped = await api('POST', `/api/cameras/${id}/recording/stop`);
  assert.equal(stopped.status, 200, stopped.text);

  const from = new Date(t0 - 5_000).toISOString();
  const to = new Date(Date.now() + 5_000).toISOString();
  let list: { segments: any[]; gaps: any[] } = { segments: [], gaps: [] };
  // The last segment is stored once recording stops; wait until its row is there.
  for (let i = 0; i < 40; i++) {
    list = (await api('GET', `/api/cameras/${id}/recordings?from=${from}&to=${to}`)).json as typeof list;
    if (list.segments.some((s) => Date.parse(s.end) > cutAt + 12_000)) break;
    await sleepMs(250);
  }
  const segments = list.segments.map((s) => ({
    id: s.id as string,
    start: Date.parse(s.start),
    end: Date.parse(s.end),
  }));
  const before = segments.filter((s) => s.end <= cutAt);
  const afterCut = segments.filter((s) => s.start > cutAt);
  assert.ok(
    before.length >= 3 && afterCut.length >= 3,
    `segments before and after the cut: ${JSON.stringify(list)}`,
  );
  assert.ok(list.gaps.length >= 1, `the cut is a gap: ${JSON.stringify(list.gaps)}`);

  const checked = { rtcp: 0, received: 0 };
  let latency = 0;
  const problems: string[] = [];
  for (const seg of segments) {
    for (const at of timesIn(seg.start, seg.end)) {
      const iso = new Date(at).toISOString();
      const info = await api('GET', `/api/cameras/${id}/frame?at=${iso}&format=json`);
      assert.equal(info.status, 200, `${iso}: ${info.text}`);
      // A segment on kadr's receive clock ends a little after the next one (on the camera's) starts.
      const around = segments.filter((s) => s.start <= at + ROUNDING_MS && at < s.end).map((s) => s.id);
      assert.ok(
        around.includes(info.json.segmentId as string),
        `${iso} is in ${around.join(' or ')}: ${info.text}`,
      );
      const image = await fetch(`${kadr.url}/api/cameras/${id}/frame?at=${iso}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (image.status !== 200) assert.fail(`${iso}: JPEG ${image.status}: ${await image.text()}`);
      assert.equal(image.headers.get('content-type'), 'image/jpeg');
      const drawn = await reader.read(Buffer.from(await image.arrayBuffer()), at);
      assert.ok(drawn.ms !== null, `${iso}: the drawn time is not readable ('${drawn.text}')`);
      const behind = at - drawn.ms;
      const frameTime = Date.parse(info.json.frameTime as string);
      const clock = info.json.clock as 'rtcp' | 'received';
      checked[clock]++;
      if (clock === 'rtcp') {
        if (behind < -ROUNDING_MS || behind > FRAME_MS) {
          problems.push(`${iso}: drawn ${new Date(drawn.ms).toISOString()}, ${behind} ms before`);
        }
        if (Math.abs(frameTime - drawn.ms) > ROUNDING_MS) {
          problems.push(
            `${iso}: frameTime ${info.json.frameTime as string} but drawn ${new Date(drawn.ms).toISOString()}`,
          );
        }
      } else {
        latency = Math.max(latency, frameTime - drawn.ms);
        if (behind < -ROUNDING_MS || behind > FRAME_MS + RECEIVE_LATENCY_MS) {
          problems.push(
            `${iso} (received clock): drawn ${new Date(drawn.ms).toISOString()}, ${behind} ms before`,
          );
        }
      }
    }
  }
  console.log(
    `drawn time checked at ${checked.rtcp} times on the camera's clock and ${checked.received} on kadr's ` +
      `receive clock (receipt up to ${latency} ms after capture) in ${segments.length} segments`,
  );
  assert.deepEqual(problems, []);
  // Most of the recording, on both sides of the cut, is on the camera's clock.
  assert.ok(checked.rtcp >= checked.received, JSON.stringify(checked));
  const onCameraClock = async (segs: typeof segments) => {
    for (const s of segs) {
      const info = await api(
        'GET',
        `/api/cameras/${id}/frame?at=${new Date(s.start).toISOString()}&format=json`,
      );
      if (info.json.clock === 'rtcp') return true;
    }
    return false;
  };
  assert.ok(await onCameraClock(before), 'a segment before the cut is on the camera clock');
  assert.ok(await onCameraClock(afterCut), 'a segment after the cut is on the camera clock');

  // In the cut nothing was recorded: no frame from before it is passed off as one inside it.
  const inGap = new Date(cutAt + 2_000).toISOString();
  assert.equal((await api('GET', `/api/cameras/${id}/frame?at=${inGap}&format=json`)).status, 404);
});
