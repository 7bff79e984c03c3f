/**
 * JPEG frame ingest against a real `kadr serve` (real PostgreSQL, the folder object store): frames
 * posted with irregular capture times come back from the stored recording with exactly those times
 * (ffprobe -show_frames, frame by frame); every refusal (out of order, duplicate, not a JPEG, cut
 * short, too large, no time, wrong type) leaves the session going; a change of picture size is scaled
 * to the first size; a client that vanishes has its session finished after the idle timeout with what
 * it sent; 8 sessions at once; `kadr push` end to end: the test pattern, Ctrl-C finishing it, a folder
 * of files at their modification times, and retries with back-off through failing requests. A
 * session is the push camera of its name: listed live while it sends, live analytics (persons, on
 * frames of real footage) run on it, and its recording is the camera's, found by wallclock.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, utimes } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readPatternNumber } from '../../../src/media/index.js';
import { createTestDatabase, type TestDatabase } from '../api/support/database.js';
import { kadrEnv, startKadr, type KadrProcess } from '../api/support/kadr-process.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const IDLE_SECONDS = 2;
const FRAME_MAX_BYTES = 200 * 1024;

let tdb: TestDatabase;
let dir: string;
let kadr: KadrProcess;
/** Distinct 640x360 JPEGs (ffmpeg's testsrc2), one 320x240, one over FRAME_MAX_BYTES. */
let jpegs: Buffer[];
let small: Buffer;
let large: Buffer;

before(async () => {
  tdb = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), 'kadr-ingest-'));
  const ff = (args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);
  ff([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=640x360:rate=25',
    '-frames:v',
    '8',
    '-q:v',
    '4',
    path.join(dir, 'f%d.jpg'),
  ]);
  ff(['-f', 'lavfi', '-i', 'testsrc2=size=320x240', '-frames:v', '1', path.join(dir, 'small.jpg')]);
  ff([
    '-f',
    'lavfi',
    '-i',
    'nullsrc=s=1280x720,geq=random(1)*255:128:128',
    '-frames:v',
    '1',
    '-q:v',
    '1',
    path.join(dir, 'large.jpg'),
  ]);
  ff([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=640x360',
    '-vf',
    'scale=641:361',
    '-frames:v',
    '1',
    path.join(dir, 'odd.jpg'),
  ]);
  ff(['-f', 'lavfi', '-i', 'testsrc2=size=8x8', '-frames:v', '1', path.join(dir, 'tiny.jpg')]);
  jpegs = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((n) => readFile(path.join(dir, `f${n}.jpg`))));
  small = await readFile(path.join(dir, 'small.jpg'));
  large = await readFile(path.join(dir, 'large.jpg'));
  assert.ok(large.length > FRAME_MAX_BYTES, `large.jpg is ${large.length} bytes`);
  kadr = await startKadr(
    ['serve', '--port', '0', '--data', path.join(dir, 'data')],
    kadrEnv({
      DATABASE_URL: tdb.url,
      KADR_INGEST_IDLE_SECONDS: String(IDLE_SECONDS),
      KADR_INGEST_FRAME_MAX_BYTES: String(FRAME_MAX_BYTES),
      KADR_API_TOKEN: undefined,
    }),
  );
});

after(async () => {
  // A clean exit: the sessions' encoders and muxers are freed without a crash.
  if (kadr) assert.equal(await kadr.stop(), 0, kadr.stderr().slice(-2000));
  await tdb?.drop();
  await rm(dir, { recursive: true, force: true });
});

/* eslint-disable @typescript-eslint/no-explicit-any -- answers are read field by field, as JSON */
async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const json = body !== undefined && !Buffer.isBuffer(body) && typeof body !== 'string';
  const res = await fetch(`${kadr.url}${url}`, {
    method,
    headers: { ...(json ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: json ? JSON.stringify(body) : (body as Buffer) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: (text.startsWith('{') ? JSON.parse(text) : null) as any };
}

const openSession = async (name: string): Promise<string> => {
  const r = await call('POST', '/api/ingest', { name });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json.id as string;
};

const postFrame = (id: string, jpeg: Buffer, captureMs: number | string, type = 'image/jpeg') =>
  call('POST', `/api/ingest/${id}/frames`, jpeg, {
    'content-type': type,
    ...(captureMs === ''
      ? {}
      : { 'x-capture-time': typeof captureMs === 'string' ? captureMs : new Date(captureMs).toISOString() }),
  });

/** Every frame of the stored recording: PTS in ms (exact: ticks × 1000 / timescale) and size. */
function probe(file: string): { ptsMs: number[]; sizes: string[] } {
  const out = JSON.parse(
    execFileSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=time_base:frame=pts,width,height',
        '-of',
        'json',
        file,
      ],
      { encoding: 'utf8' },
    ),
  ) as { streams: { time_base: string }[]; frames: { pts: number; width: number; height: number }[] };
  const [num, den] = out.streams[0]!.time_base.split('/').map(Number) as [number, number];
  return {
    ptsMs: out.frames.map((f) => (f.pts * 1000 * num) / den),
    sizes: out.frames.map((f) => `${f.width}x${f.height}`),
  };
}

/** Irregular capture times: 1 to 180 ms apart (seeded), from a start with milliseconds. */
function captureTimes(n: number, seed: number, startMs = Date.UTC(2026, 11, 5, 10, 0, 0, 123)): number[] {
  let a = seed;
  const times = [startMs];
  for (let i = 1; i < n; i++) {
    a = (a * 1103515245 + 12345) % 2 ** 31;
    times.push(times[i - 1]! + 1 + (a % 180));
  }
  return times;
}

test('irregular capture times come back exactly; each refusal leaves the session going; a new size is scaled', async () => {
  const id = await openSession('door');
  const times = captureTimes(24, 7);
  const expect = (r: { status: number; json: any }, status: number, code?: string) => {
    assert.equal(r.status, status, JSON.stringify(r.json));
    if (code) assert.equal(r.json.error.code, code);
  };
  for (let i = 0; i < times.length; i++) {
    const t = times[i]!;
    const picture = i === 10 ? small : jpegs[i % jpegs.length]!;
    const added = await postFrame(id, picture, t);
    expect(added, 200);
    assert.deepEqual(added.json, { frame: i, ptsMs: t - times[0]! });
    if (i === 5) {
      const older = await postFrame(id, jpegs[0]!, t - 1);
      expect(older, 409, 'KADR_ERR_CONFLICT');
      assert.match(older.json.error.message, /older than the last one added.*capture order/);
      const same = await postFrame(id, jpegs[0]!, t);
      expect(same, 409, 'KADR_ERR_CONFLICT');
      assert.match(same.json.error.message, /already added: frame times must be unique/);
    }
    if (i === 8) {
      expect(await postFrame(id, Buffer.from('not a picture at all'), t + 1), 400, 'KADR_ERR_VALIDATION');
      expect(
        await postFrame(id, jpegs[1]!.subarray(0, jpegs[1]!.length >> 1), t + 1),
        400,
        'KADR_ERR_VALIDATION',
      );
      expect(await postFrame(id, large, t + 1), 413, 'KADR_ERR_UPLOAD_TOO_LARGE');
      expect(await postFrame(id, jpegs[1]!, ''), 400, 'KADR_ERR_TIME_INVALID');
      expect(await postFrame(id, jpegs[1]!, '2026-12-05T10:00:01Z'), 400, 'KADR_ERR_TIME_INVALID');
      expect(await postFrame(id, jpegs[1]!, t + 1, 'application/octet-stream'), 415);
    }
  }
  const status = await call('GET', `/api/ingest/${id}`);
  assert.equal(status.json.state, 'open');
  assert.deepEqual(status.json.rejected, { outOfOrder: 1, duplicate: 1, corrupt: 2 });

  const done = await call('POST', `/api/ingest/${id}/finish`);
  assert.equal(done.status, 200, JSON.stringify(done.json));
  assert.equal(done.json.frames, times.length);
  assert.equal(done.json.firstFrameTime, new Date(times[0]!).toISOString());
  assert.equal(done.json.lastFrameTime, new Date(times.at(-1)!).toISOString());
  assert.equal(
    (await call('POST', `/api/ingest/${id}/finish`)).json.key,
    done.json.key,
    'finish again: same',
  );
  expect(await postFrame(id, jpegs[0]!, times.at(-1)! + 10), 409, 'KADR_ERR_CONFLICT');

  const probed = probe(done.json.key);
  assert.deepEqual(
    probed.ptsMs,
    times.map((t) => t - times[0]!),
    'every frame at its capture time',
  );
  assert.deepEqual(
    new Set(probed.sizes),
    new Set(['640x360']),
    'the 320x240 frame is scaled to the first size',
  );

  // The frame index beside it carries the capture times as the wallclock `kadr frame --wallclock` reads.
  const index = JSON.parse(await readFile(done.json.key.replace(/\.mp4$/, '.index.json'), 'utf8'));
  assert.deepEqual(index.ntpMs, times);
  const at = times[13]! + 1;
  const cli = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'src/cli/bin.ts'),
      'frame',
      done.json.key,
      '--wallclock',
      new Date(at).toISOString(),
      '--json',
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(JSON.parse(cli).index, 13);
});

test('an open session is a live stream: listed, and its LL-HLS program date is the capture time', async () => {
  const id = await openSession('porch');
  const startMs = Date.UTC(2026, 11, 5, 11, 0, 0, 250);
  assert.equal((await postFrame(id, jpegs[0]!, startMs)).status, 200);
  const listed = (await (await fetch(`${kadr.url}/api/live`)).json()) as {
    name: string;
    qualities: string[];
  }[];
  // The session is the push camera 'porch': listed as a camera, with its renditions.
  const view = listed.find((v) => v.name === 'porch');
  assert.deepEqual(
    { ...view, qualities: view?.qualities.slice(0, 1) },
    {
      name: 'porch',
      whep: '/api/live/porch/whep',
      hls: '/api/live/porch/hls/index.m3u8',
      qualities: ['original'],
    },
  );
  // The muxer starts with this request and joins at the session's first keyframe (the first frame).
  const playlist = fetch(`${kadr.url}/api/live/porch/hls/index.m3u8?quality=original`).then((r) => r.text());
  for (let i = 1; i < 90; i++) {
    assert.equal((await postFrame(id, jpegs[i % jpegs.length]!, startMs + i * 40)).status, 200);
  }
  const text = await playlist;
  const pdt = /#EXT-X-PROGRAM-DATE-TIME:(\S+)/.exec(text);
  assert.ok(pdt && text.includes('#EXTINF'), text);
  assert.equal(Date.parse(pdt[1]!), startMs, "the first segment starts at the first frame's capture time");
  assert.equal((await call('POST', `/api/ingest/${id}/finish`)).status, 200);
  const after = (await (await fetch(`${kadr.url}/api/live`)).json()) as { name: string }[];
  assert.ok(!after.some((v) => v.name === 'porch'), 'a finished session is no longer listed');
});

test('refusals of a session as a whole: bad name, unknown id, a name in use, finishing with no frames; OpenAPI', async () => {
  assert.equal((await call('POST', '/api/ingest', { name: '../x' })).status, 400);
  assert.equal((await call('POST', '/api/ingest', {})).status, 400);
  assert.equal((await call('GET', '/api/ingest/6f1c8d4e-0000-4000-8000-000000000000')).status, 404);
  assert.equal((await call('GET', '/api/ingest/nope')).status, 400);
  const id = await openSession('twice');
  const again = await call('POST', '/api/ingest', { name: 'twice' });
  assert.equal(again.status, 409);
  const empty = await call('POST', `/api/ingest/${id}/finish`);
  assert.equal(empty.status, 409);
  assert.match(empty.json.error.message, /no frames: nothing was recorded/);
  assert.equal((await openSession('twice')).length, 36, 'the name is free again');
  // A camera kadr pulls takes no session under its name; a push camera takes no second session.
  const pulled = await call('POST', '/api/cameras', { name: 'pulled', url: 'rtsp://127.0.0.1:9/x' });
  assert.equal(pulled.status, 201, JSON.stringify(pulled.json));
  const refused = await call('POST', '/api/ingest', { name: 'pulled' });
  assert.equal(refused.status, 409);
  assert.match(refused.json.error.message, /a camera that kadr pulls/);
  assert.equal((await call('DELETE', `/api/cameras/${pulled.json.id}`)).status, 204);
  const doc = (await call('GET', '/api/openapi.json')).json as { paths: Record<string, object> };
  for (const p of ['/api/ingest', '/api/ingest/{id}', '/api/ingest/{id}/frames', '/api/ingest/{id}/finish']) {
    assert.ok(doc.paths[p], `${p} is in the OpenAPI document`);
  }
});

test('picture sizes: too small is refused, an odd first size is cut to even (4:2:0)', async () => {
  const id = await openSession('odd');
  const tiny = await postFrame(id, await readFile(path.join(dir, 'tiny.jpg')), Date.UTC(2026, 0, 1));
  assert.equal(tiny.status, 400);
  assert.match(tiny.json.error.message, /8x8; frames must be 16x16/);
  const odd = await readFile(path.join(dir, 'odd.jpg'));
  assert.equal((await postFrame(id, odd, Date.UTC(2026, 0, 1, 0, 0, 1))).status, 200);
  assert.equal((await postFrame(id, odd, Date.UTC(2026, 0, 1, 0, 0, 1, 40))).status, 200);
  const done = await call('POST', `/api/ingest/${id}/finish`);
  assert.equal(done.status, 200, JSON.stringify(done.json));
  assert.deepEqual(probe(done.json.key).sizes, ['640x360', '640x360']);
});

test('a client that vanishes: the session is finished after the idle timeout and keeps what arrived', async () => {
  const id = await openSession('vanished');
  const times = captureTimes(3, 11);
  for (const [i, t] of times.entries()) assert.equal((await postFrame(id, jpegs[i]!, t)).status, 200);
  const deadline = Date.now() + IDLE_SECONDS * 1000 + 5000;
  let status: any;
  do {
    await new Promise((r) => setTimeout(r, 250));
    status = (await call('GET', `/api/ingest/${id}`)).json;
  } while (['open', 'finishing'].includes(status.state) && Date.now() < deadline);
  assert.equal(status.state, 'finished');
  assert.equal(status.endReason, 'idle');
  assert.equal(status.recording.frames, 3);
  assert.deepEqual(
    probe(status.recording.key).ptsMs,
    times.map((t) => t - times[0]!),
  );
});

test('8 sessions at once, each with its own irregular times', async () => {
  const results = await Promise.all(
    Array.from({ length: 8 }, async (_, s) => {
      const id = await openSession(`many-${s}`);
      const times = captureTimes(12, 100 + s);
      for (const [i, t] of times.entries()) {
        const r = await postFrame(id, jpegs[(i + s) % jpegs.length]!, t);
        assert.equal(r.status, 200, JSON.stringify(r.json));
      }
      const done = await call('POST', `/api/ingest/${id}/finish`);
      assert.equal(done.status, 200, JSON.stringify(done.json));
      return { key: done.json.key as string, times };
    }),
  );
  assert.equal(new Set(results.map((r) => r.key)).size, 8);
  for (const { key, times } of results)
    assert.deepEqual(
      probe(key).ptsMs,
      times.map((t) => t - times[0]!),
    );
});

function runKadr(args: string[]) {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/bin.ts'), ...args], {
    cwd: ROOT,
    env: kadrEnv({}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
  // A push that hangs fails its test instead of holding the suite.
  const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    }),
  );
  return { proc, exited, out: () => out, err: () => err };
}

/**
 * The pattern number of every frame of a recording (decoded by ffmpeg, read as kadr draws it);
 * passthrough: rawvideo output would otherwise make ffmpeg duplicate frames to a constant rate.
 */
function patternNumbers(file: string, width: number, height: number): number[] {
  const raw = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
    {
      maxBuffer: 64 << 20,
    },
  );
  const numbers: number[] = [];
  for (let at = 0; at + width * height <= raw.length; at += width * height) {
    numbers.push(readPatternNumber(raw.subarray(at, at + width * height), width, width, height));
  }
  return numbers;
}

test('kadr push --pattern: every frame sent is recorded, in order, at the time it was made', async () => {
  const push = runKadr([
    'push',
    '--server',
    kadr.url,
    '--name',
    'pattern',
    '--pattern',
    '--fps',
    '25',
    '--frames',
    '30',
    '--size',
    '320x240',
    '--json',
  ]);
  assert.equal(await push.exited, 0, push.err());
  const result = JSON.parse(push.out());
  // On an idle machine every frame is sent; a loaded one may drop a few (the pattern is live), and
  // then exactly those are missing from the recording.
  assert.equal(result.sent + result.dropped, 30);
  assert.ok(result.sent >= 10, `sent ${result.sent}, dropped ${result.dropped}`);
  assert.equal(result.recordings.length, 1);
  const rec = result.recordings[0];
  assert.equal(rec.frames, result.sent);
  const numbers = patternNumbers(rec.key, 320, 240);
  assert.equal(numbers.length, result.sent);
  assert.ok(
    numbers.every((n, i) => n >= 0 && n < 30 && (i === 0 || n > numbers[i - 1]!)),
    `frame numbers in order: ${numbers.join(' ')}`,
  );
  if (result.dropped === 0)
    assert.deepEqual(
      numbers,
      Array.from({ length: 30 }, (_, i) => i),
    );
  const index = JSON.parse(await readFile(rec.key.replace(/\.mp4$/, '.index.json'), 'utf8'));
  const probed = probe(rec.key).ptsMs;
  assert.deepEqual(
    probed,
    index.ntpMs.map((t: number) => t - index.ntpMs[0]),
  );
  // Made at 25 fps by the clock: frame n at least n × 40 ms after frame 0 (later when the machine is
  // loaded), never by a count of frames.
  numbers.forEach((n, i) =>
    assert.ok(probed[i]! >= (n - numbers[0]!) * 40 - 2, `frame ${n} at ${probed[i]} ms`),
  );
});

test('kadr push --device: a camera that cannot be opened is a clear error, and no session is left open', async () => {
  // No V4L2 camera here (nor a loopback device): the path that opens one is taken with one that is missing.
  const push = runKadr([
    'push',
    '--server',
    kadr.url,
    '--name',
    'no-webcam',
    '--device',
    '/dev/video-missing',
  ]);
  assert.notEqual(await push.exited, 0);
  assert.match(push.err(), /cannot open \/dev\/video-missing/);
  assert.match(push.err(), /is it a V4L2 camera \(ls \/dev\/video\*\)/);
  const cameras = (await call('GET', '/api/cameras')).json.items as { name: string; state: string }[];
  const cam = cameras.find((c) => c.name === 'no-webcam');
  assert.ok(!cam || cam.state === 'offline', JSON.stringify(cam));
});

test('kadr push: Ctrl-C finishes the session with what was sent', async () => {
  const push = runKadr([
    'push',
    '--server',
    kadr.url,
    '--name',
    'interrupted',
    '--pattern',
    '--fps',
    '20',
    '--size',
    '320x240',
  ]);
  const deadline = Date.now() + 20_000;
  while (!/session \S+ opened/.test(push.err()) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1000));
  push.proc.kill('SIGINT');
  assert.equal(await push.exited, 0, push.err());
  const m = /^sent (\d+), dropped (\d+)/m.exec(push.out());
  assert.ok(m, push.out());
  const line = /^(\S+\.mp4): (\d+) frames/m.exec(push.out());
  assert.ok(line, push.out());
  assert.equal(Number(line[2]), Number(m[1]));
  const sessions = (await call('GET', '/api/ingest')).json.sessions as any[];
  const s = sessions.find((x) => x.name === 'interrupted');
  assert.equal(s.state, 'finished');
  assert.equal(s.endReason, 'finish');
});

test('kadr push --folder: each file at its modification time', async () => {
  const folder = path.join(dir, 'shots');
  await mkdir(folder);
  const times = captureTimes(8, 23, Date.UTC(2026, 11, 4, 8, 30, 0, 250));
  // Named against their time order: the times, not the names, decide the order.
  for (const [i, t] of times.entries()) {
    const file = path.join(folder, `shot-${String(times.length - i).padStart(2, '0')}.jpg`);
    await copyFile(path.join(dir, `f${i + 1}.jpg`), file);
    await utimes(file, t / 1000, t / 1000);
  }
  const push = runKadr(['push', '--server', kadr.url, '--name', 'folder', '--folder', folder, '--json']);
  assert.equal(await push.exited, 0, push.err());
  const result = JSON.parse(push.out());
  assert.deepEqual([result.sent, result.dropped, result.refused], [8, 0, 0]);
  const rec = result.recordings[0];
  assert.equal(rec.firstFrameTime, new Date(times[0]!).toISOString());
  assert.deepEqual(
    probe(rec.key).ptsMs,
    times.map((t) => t - times[0]!),
  );
});

test('kadr push retries a failed request with back-off; every frame it sent is recorded', async () => {
  // In front of kadr: the first 2 frame posts get a 503, the 3rd a reset connection.
  let failures = 0;
  const proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url!.endsWith('/frames') && failures < 3) {
        failures++;
        if (failures === 3) return req.socket.destroy();
        res.writeHead(503, { 'content-type': 'application/json' });
        return res.end('{"error":{"code":"KADR_ERR_STORAGE_UNAVAILABLE","message":"down"}}');
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => ['content-type', 'x-capture-time'].includes(k)),
      ) as Record<string, string>;
      const body = req.method === 'GET' ? {} : { body: Buffer.concat(chunks) };
      fetch(`${kadr.url}${req.url}`, { method: req.method, headers, ...body })
        .then(async (r) => {
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' });
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const push = runKadr([
      'push',
      '--server',
      url,
      '--name',
      'retried',
      '--pattern',
      '--fps',
      '10',
      '--frames',
      '12',
      '--size',
      '320x240',
      '--json',
    ]);
    assert.equal(await push.exited, 0, push.err());
    const result = JSON.parse(push.out());
    assert.equal(failures, 3);
    assert.equal(result.retries, 3);
    assert.equal(result.sent + result.dropped, 12);
    // The back-off (0.25 + 0.5 + 1 s) outlasts the source (1.2 s): its frames wait in the queue of 8
    // and what does not fit is dropped, counted. On a loaded machine the back-off may also outlast the
    // server's idle timeout (2 s here): push then goes on in a new session. Every frame sent is in a
    // recording, in order.
    assert.ok(result.sent >= 8, `sent ${result.sent}`);
    const recordings = result.recordings as { key: string; frames: number }[];
    assert.equal(
      recordings.reduce((n, r) => n + r.frames, 0),
      result.sent,
    );
    const numbers = recordings.flatMap((r) => patternNumbers(r.key, 320, 240));
    assert.ok(
      numbers.every((n, i) => i === 0 || n > numbers[i - 1]!),
      numbers.join(' '),
    );
  } finally {
    proxy.close();
  }
});

test('a session is the push camera of its name: live, analysed (persons), its recording found by wallclock', async () => {
  // Frames of real footage (people walking in; test/fixtures/live-analytics/README.md), 10 per second.
  const footage = path.join(dir, 'footage');
  await mkdir(footage);
  execFileSync('ffmpeg', [
    ...[
      '-v',
      'error',
      '-ss',
      '2',
      '-t',
      '4',
      '-i',
      path.join(ROOT, 'test/fixtures/live-analytics/one-by-one-5-26s.mp4'),
    ],
    ...['-vf', 'fps=10,scale=640:-2', '-q:v', '5', path.join(footage, '%03d.jpg')],
  ]);
  const frames = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      readFile(path.join(footage, `${String(i + 1).padStart(3, '0')}.jpg`)),
    ),
  );
  const id = await openSession('push-door');
  const camera = async () =>
    ((await call('GET', '/api/cameras')).json.items as any[]).find((c) => c.name === 'push-door');
  const made = await camera();
  assert.ok(made, 'the session made the camera');
  assert.equal(made.transport, 'push');
  assert.equal(made.url, '');
  assert.equal(made.state, 'offline', 'no frame yet');
  const attached = await call('PUT', `/api/cameras/${made.id}/analytics`, { detect: ['persons'], fps: 5 });
  assert.equal(attached.status, 200, JSON.stringify(attached.json));
  assert.equal((await call('PATCH', `/api/cameras/${made.id}`, { record: false })).status, 409);

  // Frames at their own pace until the analysis has worked on some (its models load meanwhile).
  const startMs = Date.UTC(2026, 11, 5, 12, 0, 0, 0);
  const sent: number[] = [];
  let analysed = 0;
  let state = '';
  const deadline = Date.now() + 30_000;
  for (let i = 0; (analysed < 5 || i < 40) && Date.now() < deadline; i++) {
    const t = startMs + i * 100;
    assert.equal((await postFrame(id, frames[i % frames.length]!, t)).status, 200);
    sent.push(t);
    await new Promise((r) => setTimeout(r, 100));
    if (i % 10 === 9) {
      const c = await camera();
      analysed = c.analytics.framesAnalysed;
      state = c.state;
      assert.equal(c.state, 'live');
      assert.equal(c.recording, true);
    }
  }
  assert.equal(state, 'live');
  assert.ok(analysed >= 5, `frames analysed on the push camera: ${analysed}`);
  const fin = await call('POST', `/api/ingest/${id}/finish`);
  assert.equal(fin.status, 200, JSON.stringify(fin.json));
  assert.equal(fin.json.frames, sent.length);
  const after = await camera();
  assert.equal(after.state, 'offline');
  assert.equal(after.node, null, 'no node holds a push camera without a session');
  console.log(
    `push camera: ${sent.length} frames sent, ${after.analytics.framesAnalysed} analysed, ${after.analytics.framesSkipped} skipped`,
  );

  // Its recording is the session's: one segment, found by the capture time of any frame.
  const span = `from=${new Date(startMs - 1000).toISOString()}&to=${new Date(sent.at(-1)! + 1000).toISOString()}`;
  const list = await call('GET', `/api/cameras/${made.id}/recordings?${span}`);
  assert.equal(list.status, 200, JSON.stringify(list.json));
  assert.equal(list.json.segments.length, 1, JSON.stringify(list.json));
  assert.equal(list.json.segments[0].key, fin.json.objectKey);
  assert.equal(list.json.segments[0].frames, sent.length);
  for (const k of [0, 17, sent.length - 1]) {
    const at = await call(
      'GET',
      `/api/cameras/${made.id}/frame?at=${new Date(sent[k]!).toISOString()}&format=json`,
    );
    assert.equal(at.status, 200, JSON.stringify(at.json));
    assert.equal(at.json.index, k);
    assert.equal(at.json.frameTime, new Date(sent[k]!).toISOString());
  }
  const jpeg = await fetch(
    `${kadr.url}/api/cameras/${made.id}/frame?at=${new Date(sent[17]!).toISOString()}`,
  );
  assert.equal(jpeg.headers.get('content-type'), 'image/jpeg', await jpeg.clone().text());
  assert.equal((await call('DELETE', `/api/cameras/${made.id}/analytics`)).status, 204);
});
