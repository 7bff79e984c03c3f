/**
 * What a hostile client and a first-time user found, against a real `kadr serve` and a real
 * PostgreSQL: the query token only on event routes, prototype keys, broken uploads (never a 5xx,
 * nothing left in storage), status codes the docs promise, content types from the bytes, slow
 * header trickles, the first page, and event streams that end with their video.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { pollUntil, type VideoJson } from './support/http.js';
import { kadrEnv, startKadr, type KadrProcess } from './support/kadr-process.js';
import { faceVideo } from './support/test-videos.js';

let tdb: TestDatabase;
let dataDir: string;
let kadr: KadrProcess;
const token = randomBytes(24).toString('hex');
const auth = { authorization: `Bearer ${token}` };

before(async () => {
  tdb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kadr-hard-'));
  await chmod(dataDir, 0o755);
  kadr = await startKadr(
    ['serve', '--port', '0', '--data', dataDir, '--concurrency', '1'],
    kadrEnv({ DATABASE_URL: tdb.url, KADR_API_TOKEN: token, KADR_UPLOAD_MAX_BYTES: '8M' }),
  );
});
after(async () => {
  const code = await kadr?.stop();
  await tdb?.drop();
  await rm(dataDir, { recursive: true, force: true });
  assert.equal(code, 0, `kadr serve did not stop cleanly:\n${kadr?.stderr()}`);
});

/** Every file (and every folder) under the object store's folder. */
function storedEntries(): string[] {
  const root = path.join(dataDir, 'objects');
  try {
    return readdirSync(root, { recursive: true, encoding: 'utf8' }).sort();
  } catch {
    return [];
  }
}

function multipart(parts: { name: string; filename?: string; type?: string; data: Buffer | string }[]) {
  const boundary = `----kadr${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
    chunks.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: ${disposition}\r\n${p.type ? `content-type: ${p.type}\r\n` : ''}\r\n`,
        'latin1',
      ),
      Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function postUpload(body: Buffer | string, contentType: string) {
  const res = await fetch(`${kadr.url}/api/videos`, {
    method: 'POST',
    headers: { ...auth, 'content-type': contentType },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    json: JSON.parse(text) as { items?: VideoJson[]; error?: { code: string; message: string } },
  };
}

test('?access_token= opens the event routes only, decided by route, not by the URL text', async () => {
  const events = await fetch(`${kadr.url}/api/videos/events?access_token=${token}`);
  assert.equal(events.status, 200);
  await events.body?.cancel();
  for (const url of [
    `/api/profiles/${randomUUID()}/crop?access_token=${token}&z=/events`,
    `/api/videos/${randomUUID()}?access_token=${token}&x=/events`,
    `/api/videos?access_token=${token}&/events`,
  ]) {
    const res = await fetch(`${kadr.url}${url}`);
    assert.equal(res.status, 401, url);
  }
});

test('a PATCH with a prototype key is refused with 400 and says which key', async () => {
  for (const body of [
    '{"__proto__": {"firstName": "Ann"}}',
    '{"firstName": "Ann", "constructor": {"prototype": {}}}',
  ]) {
    const res = await fetch(`${kadr.url}/api/profiles/${randomUUID()}`, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/json' },
      body,
    });
    const json = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(res.status, 400, body);
    assert.equal(json.error.code, 'KADR_ERR_VALIDATION');
    assert.match(json.error.message, /__proto__|constructor\.prototype/);
  }
});

test('broken uploads get a 4xx, never a 5xx, and leave nothing in storage', async () => {
  const before = storedEntries();
  const video = (await faceVideo()).data;
  const nul = multipart([{ name: 'files', filename: 'a\u0000b.mp4', type: 'video/mp4', data: video }]);
  for (let i = 0; i < 2; i++) {
    const res = await postUpload(nul.body, nul.contentType);
    assert.equal(res.status, 400, res.text);
    assert.match(res.json.error!.message, /file name/);
  }
  const cases: [string, Buffer | string, string][] = [
    ['multipart without a boundary', nul.body, 'multipart/form-data'],
    ['an empty boundary', nul.body, 'multipart/form-data; boundary='],
    ['a body that is not multipart', 'x'.repeat(5000), 'multipart/form-data; boundary=abc'],
    [
      'a part cut in its headers',
      '--abc\r\ncontent-disposition: form-data; name="files"; filename="x.mp4"\r\ncontent-type: vid',
      'multipart/form-data; boundary=abc',
    ],
    [
      'a file part cut in its data',
      Buffer.concat([
        Buffer.from('--abc\r\ncontent-disposition: form-data; name="files"; filename="x.mp4"\r\n\r\n'),
        video.subarray(0, 20_000),
      ]),
      'multipart/form-data; boundary=abc',
    ],
  ];
  for (const [what, body, type] of cases) {
    const res = await postUpload(body, type);
    assert.ok(res.status >= 400 && res.status < 500, `${what}: ${res.status} ${res.text}`);
    assert.equal(res.json.error?.code.startsWith('KADR_ERR_'), true, `${what}: ${res.text}`);
  }
  assert.deepEqual(storedEntries(), before, 'a refused upload leaves no file and no folder');
  const list = (await (await fetch(`${kadr.url}/api/videos?size=500`, { headers: auth })).json()) as {
    items: VideoJson[];
  };
  assert.equal(list.items.length, 0);
});

test('page numbers too big for a number are a 400', async () => {
  for (const page of ['1e300', '99999999999999999999', '1e400', '-1', '1.5']) {
    const res = await fetch(`${kadr.url}/api/videos?page=${page}`, { headers: auth });
    assert.equal(res.status, 400, `page=${page}: ${await res.text()}`);
  }
});

test('an upload that is not multipart is a 415, as docs/api.md says', async () => {
  for (const [type, body] of [
    ['application/json', '{}'],
    ['text/plain', 'hello'],
    ['application/octet-stream', 'hello'],
  ] as const) {
    const res = await postUpload(body, type);
    assert.equal(res.status, 415, `${type}: ${res.text}`);
    assert.equal(res.json.error?.code, 'KADR_ERR_VALIDATION');
  }
  assert.match(readFileSync('docs/api.md', 'utf8'), /`415` not multipart/);
});

test("the stored content type comes from the file's bytes, not the client's default", async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kadr-sniff-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const make = (name: string, args: string[]) => {
    const file = path.join(dir, name);
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=64x48:rate=10',
      '-t',
      '0.3',
      ...args,
      file,
    ]);
    return readFileSync(file);
  };
  const files: [string, Buffer, string][] = [
    ['a.mp4', make('a.mp4', ['-c:v', 'libx264']), 'video/mp4'],
    ['a.mov', make('a.mov', ['-c:v', 'libx264']), 'video/quicktime'],
    ['a.mkv', make('a.mkv', ['-c:v', 'libx264']), 'video/x-matroska'],
    ['a.webm', make('a.webm', ['-c:v', 'libvpx']), 'video/webm'],
    ['a.ts', make('a.ts', ['-c:v', 'libx264']), 'video/mp2t'],
    ['a.avi', make('a.avi', ['-c:v', 'mpeg4']), 'video/x-msvideo'],
    ['notes.txt', Buffer.from('not a video\n'.repeat(50)), 'application/octet-stream'],
  ];
  const form = multipart(
    files.map(([name, data]) => ({ name: 'files', filename: name, type: 'application/octet-stream', data })),
  );
  const res = await postUpload(form.body, form.contentType);
  assert.equal(res.status, 201, res.text);
  const got = res.json.items!.map((v) => [v.filename, (v as unknown as { contentType: string }).contentType]);
  assert.deepEqual(
    got,
    files.map(([name, , type]) => [name, type]),
  );
  for (const v of res.json.items!) {
    await fetch(`${kadr.url}/api/videos/${v.id}/cancel`, { method: 'POST', headers: auth });
    assert.equal(
      (await fetch(`${kadr.url}/api/videos/${v.id}`, { method: 'DELETE', headers: auth })).status,
      204,
    );
  }
});

test('a connection that trickles its headers is closed; normal requests are still served', async () => {
  const socket = net.connect(Number(new URL(kadr.url).port), '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  socket.on('error', () => {});
  const t0 = Date.now();
  socket.write('GET /api/videos HTTP/1.1\r\nHost: x\r\n');
  const trickle = setInterval(() => socket.write('X'), 500);
  try {
    // While it trickles, a real client is served.
    const ok = await fetch(`${kadr.url}/api/videos`, { headers: auth });
    assert.equal(ok.status, 200);
    const at = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 20_000))]);
    assert.ok(at > 0, 'the trickling connection was closed within 20 s');
    assert.ok(at - t0 >= 9_000, `not before the 10 s header deadline (${at - t0} ms)`);
  } finally {
    clearInterval(trickle);
    socket.destroy();
  }
  assert.equal((await fetch(`${kadr.url}/api/videos`, { headers: auth })).status, 200);
});

test('/ sends a person to the web UI; unknown /api paths stay a JSON 404', async () => {
  const root = await fetch(`${kadr.url}/`, { redirect: 'manual' });
  assert.equal(root.status, 200);
  assert.match(root.headers.get('content-type') ?? '', /html/);
  // The built UI (dist/web), or where it is not built, a page that says how and links the API docs.
  assert.match(await root.text(), /<div id="app">|npm run build/);
  const unknown = await fetch(`${kadr.url}/api/nothing-here`, { headers: auth });
  assert.equal(unknown.status, 404);
  assert.match(unknown.headers.get('content-type') ?? '', /json/);
  const body = (await unknown.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'KADR_ERR_NOT_FOUND');
  assert.match(body.error.message, /GET \/api\/nothing-here/);
});

test("a video's event stream ends after its final state; a reconnect is told 204", async () => {
  const video = await faceVideo();
  const form = multipart([{ name: 'files', filename: video.name, type: 'video/mp4', data: video.data }]);
  const up = await postUpload(form.body, form.contentType);
  assert.equal(up.status, 201, up.text);
  const id = up.json.items![0]!.id;
  // Subscribed while it runs: the stream must end by itself once the video is done.
  const res = await fetch(`${kadr.url}/api/videos/${id}/events`, { headers: auth });
  assert.equal(res.status, 200);
  const text = await Promise.race([
    res.text(),
    new Promise<string>((_, reject) =>
      setTimeout(() => reject(new Error('the stream did not end')), 120_000),
    ),
  ]);
  const blocks = text.split('\n\n').filter((b) => b.includes('data: '));
  const last = blocks.at(-1)!;
  assert.match(last, /^id: final$/m);
  assert.equal((JSON.parse(/^data: (.*)$/m.exec(last)![1]!) as VideoJson).status, 'done');
  // Opened after the end: the current (final) state, then the end.
  const again = await fetch(`${kadr.url}/api/videos/${id}/events`, { headers: auth });
  assert.match(await again.text(), /"status":"done"/);
  const reconnect = await fetch(`${kadr.url}/api/videos/${id}/events`, {
    headers: { ...auth, 'last-event-id': 'final' },
  });
  assert.equal(reconnect.status, 204);
});

test('an MP4 with its index first and its data cut fails as KADR_ERR_INPUT_CORRUPT; no FFmpeg lines in the log', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kadr-cut-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const whole = path.join(dir, 'whole.mp4');
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=160x120:rate=25',
    '-t',
    '5',
    '-c:v',
    'libx264',
    '-movflags',
    '+faststart',
    whole,
  ]);
  const size = readFileSync(whole).length;
  const cut = execFileSync('head', ['-c', String(Math.floor(size / 3)), whole]);
  const form = multipart([{ name: 'files', filename: 'cut.mp4', type: 'video/mp4', data: cut }]);
  const up = await postUpload(form.body, form.contentType);
  assert.equal(up.status, 201, up.text);
  const id = up.json.items![0]!.id;
  const final = (
    await pollUntil(
      async () =>
        (await (await fetch(`${kadr.url}/api/videos/${id}`, { headers: auth })).json()) as VideoJson,
      (v) => ['done', 'failed', 'cancelled'].includes(v.status),
      'the cut video to finish',
    )
  ).at(-1)!;
  assert.equal(final.status, 'failed', JSON.stringify(final));
  assert.equal(final.errorCode, 'KADR_ERR_INPUT_CORRUPT');
  assert.match(final.error!, /truncated: its index declares 125 frames, only \d+ are in the file/);
  // The analysis child read a damaged file; FFmpeg's own complaints must not reach the JSON log.
  const foreign = kadr
    .stderr()
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('{') && !l.startsWith('kadr serve:'));
  assert.deepEqual(foreign, [], 'every log line is kadr JSON');
});

test('kadr serve on a busy port says so in one line before building anything', async () => {
  const busy = net.createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const port = (busy.address() as net.AddressInfo).port;
  try {
    for (const args of [
      ['--port', String(port)],
      ['--port', '0', '--media', dataDir, '--rtsp-port', String(port)],
    ]) {
      const t0 = Date.now();
      // A database that cannot be reached: the port must be checked before it is even tried.
      const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'serve', ...args], {
        env: kadrEnv({ DATABASE_URL: 'postgres://kadr:x@127.0.0.1:9/none', KADR_API_TOKEN: undefined }),
        encoding: 'utf8',
      });
      assert.equal(res.status, 2, res.stderr);
      const lines = res.stderr.trim().split('\n');
      assert.equal(lines.length, 1, res.stderr);
      assert.match(
        lines[0]!,
        new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use.*--(rtsp-)?port`),
      );
      assert.ok(Date.now() - t0 < 15_000);
    }
  } finally {
    busy.close();
  }
});
