/**
 * POST /api/align: a group of cameras put in step over a time window from their recordings in the
 * database (rows in PostgreSQL, segments and indexes in a folder store). The recordings are made by
 * `kadr record` from `kadr rtsp-serve` (sending RTCP sender reports) a second apart, and registered as
 * the cameras' segments; the truth is the pictures' numbers and the receive times
 * (test/integration/align/truth.ts), never the sender reports.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { silentLogger } from '../../../src/core/logger.js';
import { CameraPlayback } from '../../../src/app/index.js';
import { cameraRecordingsRoutes } from '../../../src/api/camera-recordings.routes.js';
import { registerErrorHandler } from '../../../src/api/errors.js';
import { ErrorBody } from '../../../src/api/videos.schema.js';
import { CameraRecordingsRepository, openDatabase, type Database } from '../../../src/db/index.js';
import { FsObjectStore } from '../../../src/storage/index.js';
import { createTestDatabase, type TestDatabase } from '../api/support/database.js';
import { record } from '../recorder/helpers.js';
import { startKadrRtspServe, type RtspSource } from '../recorder/rtsp-source.js';
import { FRAME_MS, numberedVideo, sourceStart } from '../align/truth.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kadr-align-api-'));
const objects = path.join(tmp, 'objects');
let tdb: TestDatabase;
let db: Database;
let api: FastifyInstance;
let source: RtspSource;
const cameras: string[] = [];
const segments: string[] = [];
let window: { from: number; to: number };

interface IndexJson {
  ptsTicks: number[];
  ntpMs: number[];
  receivedAtMs: number[];
}

before(async () => {
  tdb = await createTestDatabase();
  db = await openDatabase({ databaseUrl: tdb.url, dataDir: '/nonexistent', log: silentLogger });
  const repo = new CameraRecordingsRepository(db.pool);
  source = await startKadrRtspServe([numberedVideo(path.join(tmp, 'numbered.mp4'), 10)]);
  const recorded = await Promise.all(
    [0, 1].map(async (i) => {
      await new Promise((r) => setTimeout(r, i * 1000));
      return record([source.url('numbered'), '--to', path.join(objects, `cam${i}`), '--duration', '5']);
    }),
  );
  let from = Infinity;
  let to = -Infinity;
  for (const [i, r] of recorded.entries()) {
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO cameras (name, url) VALUES ($1, 'rtsp://127.0.0.1/x') RETURNING id`,
      [`cam${i}`],
    );
    cameras.push(rows[0]!.id);
    const seg = r.segments[0]!;
    segments.push(seg.key);
    const index = JSON.parse(readFileSync(seg.index, 'utf8')) as IndexJson;
    const last = index.ntpMs.length - 1;
    await repo.insertSegment({
      cameraId: rows[0]!.id,
      objectKey: path.relative(objects, seg.key),
      indexKey: path.relative(objects, seg.index),
      firstFrameMs: index.ntpMs[0]!,
      lastFrameMs: index.ntpMs[last]!,
      endsMs: index.ntpMs[last]! + FRAME_MS,
      wallclockFrom: 'rtcp',
      firstPtsTicks: BigInt(index.ptsTicks[0]!),
      lastPtsTicks: BigInt(index.ptsTicks[last]!),
      timeBase: { num: 1, den: 90000 },
      frames: index.ptsTicks.length,
      bytes: statSync(seg.key).size,
      startedReason: 'start',
      endedReason: 'stop',
    });
    from = Math.min(from, index.ntpMs[0]!);
    to = Math.max(to, index.ntpMs[last]!);
  }
  window = { from: from - 1000, to: to + 1000 };
  api = Fastify({
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true } },
  }).withTypeProvider();
  registerErrorHandler(api, silentLogger);
  api.addSchema(ErrorBody);
  await api.register(swagger, { openapi: { openapi: '3.0.3', info: { title: 'kadr', version: '0' } } });
  await api.register(cameraRecordingsRoutes, {
    prefix: '/api',
    playback: new CameraPlayback(repo, new FsObjectStore(objects)),
  });
  await api.ready();
});
after(async () => {
  await api?.close();
  await source?.stop();
  await db?.close();
  await tdb?.drop();
  rmSync(tmp, { recursive: true, force: true });
});

const iso = (ms: number) => new Date(ms).toISOString();

interface AlignBody {
  common: { wallclockMs: number };
  offsets: {
    cameraId: string;
    key: string;
    offsetMs: number;
    errorMs: number;
    method: string;
    frameIntervalMs: number;
  }[];
}

test('POST /api/align: every camera within one frame interval of the truth', async () => {
  const res = await api.inject({
    method: 'POST',
    url: '/api/align',
    payload: { cameras, from: iso(window.from), to: iso(window.to) },
  });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json<AlignBody>();
  for (const [i, o] of body.offsets.entries()) {
    assert.equal(o.cameraId, cameras[i]);
    assert.equal(o.method, 'wallclock');
    assert.equal(path.join(objects, o.key), segments[i]);
    const { w0, first } = await sourceStart(segments[i]!);
    const truth = body.common.wallclockMs - (w0 + first * FRAME_MS);
    assert.ok(Math.abs(o.offsetMs - truth) <= o.frameIntervalMs, `cam${i}: ${o.offsetMs} vs ${truth} ms`);
  }
});

test('POST /api/align: 400 for bad input, 404 for an unknown camera or an empty window', async () => {
  const post = (payload: unknown) =>
    api.inject({ method: 'POST', url: '/api/align', payload: payload as object });
  const ok = { cameras, from: iso(window.from), to: iso(window.to) };
  assert.equal((await post({ ...ok, cameras: [cameras[0]] })).statusCode, 400);
  assert.equal((await post({ ...ok, to: ok.from })).statusCode, 400);
  assert.equal((await post({ ...ok, from: 'yesterday' })).statusCode, 400);
  assert.equal((await post({ ...ok, cameras: [cameras[0], cameras[0]] })).statusCode, 400);
  assert.equal((await post({ ...ok, to: iso(window.from + 2 * 3600 * 1000) })).statusCode, 400);
  const unknown = await post({ ...ok, cameras: [cameras[0], '00000000-0000-4000-8000-000000000000'] });
  assert.equal(unknown.statusCode, 404);
  const empty = await post({ cameras, from: iso(window.from - 600_000), to: iso(window.from - 300_000) });
  assert.equal(empty.statusCode, 404, empty.body);
  assert.match(
    empty.json<{ error: { message: string } }>().error.message,
    /no frame with a wallclock between/,
  );
});
