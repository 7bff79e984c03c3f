/**
 * Frame stepping through a camera's recording for one viewer: a session holds a warm decoder on the
 * segment being looked at and the pictures decoded around the frame shown (timeline/frame-stepper.ts),
 * so that "next frame" and "previous frame" cost about one decode, not the GOP again. Frames are
 * named by their segment and presentation index; a step past a segment's last frame goes on with the
 * next segment's first (and back), so a viewer steps through the recording as one.
 *
 * Sessions are few and bounded: at most `maxSessions` per process, each closed after `idleMs`
 * unused; the decoded pictures of each stay under `cacheBytes`.
 */
import { randomUUID } from 'node:crypto';
import { KadrError } from '../../core/errors.js';
import type { CameraRecordingsRepository, CameraSegmentRow } from '../../db/index.js';
import type { ObjectStore } from '../../storage/index.js';
import { FrameStepper, type StoredFrameIndex } from '../../timeline/index.js';
import type { CameraPlayback } from '../cameras/camera-playback.js';

export const DEFAULT_MAX_FRAME_SESSIONS = 8;
export const DEFAULT_FRAME_SESSION_IDLE_MS = 60_000;
/** 32 pictures at 1080p: a step back re-decodes a 2 s GOP once every 32 steps at most. */
export const DEFAULT_FRAME_SESSION_CACHE_BYTES = 96 * 1024 * 1024;
/** Frames one request may step over. */
export const MAX_FRAME_STEP = 250;
/** A presigned URL is asked for 10 minutes; the decoder reading it is reopened before that. */
const REOPEN_AFTER_MS = 5 * 60_000;
/** A session unused this long may be closed to make room for a new one. */
const EVICTABLE_AFTER_MS = 10_000;

export interface FrameSessionDto {
  id: string;
  cameraId: string;
  idleTimeoutS: number;
}

export interface SessionFrameInfo {
  /** The frame's wallclock, ISO 8601 with ms, and as ms since 1970 with its fraction. */
  frameTime: string;
  wallclockMs: number;
  ptsTicks: string;
  timeBase: string;
  segmentId: string;
  /** 0-based presentation index of the frame in its segment. */
  index: number;
  keyframe: boolean;
  clock: 'rtcp' | 'received';
  /** Pictures decoded to answer (0: kept from an earlier step, or JSON only). */
  decoded: number;
}

export type FrameOrigin = { atMs: number } | { segmentId: string; index: number };

export interface CameraFrameSessionsOptions {
  repo: Pick<CameraRecordingsRepository, 'cameraExists' | 'segment' | 'segmentsAround'>;
  store: Pick<ObjectStore, 'readLocation'>;
  playback: Pick<CameraPlayback, 'frameAt' | 'segmentIndex'>;
  maxSessions?: number;
  idleMs?: number;
  cacheBytes?: number;
}

interface OpenStepper {
  segmentId: string;
  stepper: FrameStepper;
  openedAt: number;
}

interface Session {
  id: string;
  cameraId: string;
  lastUsed: number;
  /** The segment's stepper being looked at; one at a time, its decoder warm. */
  current: OpenStepper | null;
  rows: Map<string, CameraSegmentRow>;
  neighbours: Map<string, { next?: CameraSegmentRow | null; prev?: CameraSegmentRow | null }>;
  /** Requests of one session run one after another: a decoder does one thing at a time. */
  queue: Promise<unknown>;
}

const iso = (ms: number) => new Date(Math.floor(ms)).toISOString();

export class CameraFrameSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly maxSessions: number;
  private readonly idleMs: number;
  private readonly cacheBytes: number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: CameraFrameSessionsOptions) {
    this.maxSessions = options.maxSessions ?? DEFAULT_MAX_FRAME_SESSIONS;
    this.idleMs = options.idleMs ?? DEFAULT_FRAME_SESSION_IDLE_MS;
    this.cacheBytes = options.cacheBytes ?? DEFAULT_FRAME_SESSION_CACHE_BYTES;
    this.sweeper = setInterval(() => void this.sweep(), Math.max(1000, this.idleMs / 4));
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  async open(cameraId: string): Promise<FrameSessionDto> {
    if (!(await this.options.repo.cameraExists(cameraId))) {
      throw new KadrError('KADR_ERR_NOT_FOUND', `camera ${cameraId} does not exist`);
    }
    if (this.sessions.size >= this.maxSessions) {
      const lru = [...this.sessions.values()].sort((a, b) => a.lastUsed - b.lastUsed)[0]!;
      if (Date.now() - lru.lastUsed < EVICTABLE_AFTER_MS) {
        throw new KadrError(
          'KADR_ERR_CONFLICT',
          `${this.maxSessions} frame sessions are open, all in use: kadr keeps that many decoders warm at most`,
          { hint: 'close one you no longer use (DELETE it), or try again in a few seconds' },
        );
      }
      await this.closeSession(lru);
    }
    const session: Session = {
      id: randomUUID(),
      cameraId,
      lastUsed: Date.now(),
      current: null,
      rows: new Map(),
      neighbours: new Map(),
      queue: Promise.resolve(),
    };
    this.sessions.set(session.id, session);
    return { id: session.id, cameraId, idleTimeoutS: this.idleMs / 1000 };
  }

  async close(cameraId: string, sessionId: string): Promise<void> {
    await this.closeSession(this.get(cameraId, sessionId));
  }

  /**
   * The frame `step` frames after (before, when negative) the origin: the frame shown at a wallclock,
   * or a frame named by segment and index. With `jpeg`, its picture too.
   */
  async frame(
    cameraId: string,
    sessionId: string,
    origin: FrameOrigin,
    step: number,
    jpeg: boolean,
  ): Promise<{ info: SessionFrameInfo; jpeg?: Buffer }> {
    if (!Number.isInteger(step) || Math.abs(step) > MAX_FRAME_STEP) {
      throw new KadrError(
        'KADR_ERR_VALIDATION',
        `step must be a whole number from -${MAX_FRAME_STEP} to ${MAX_FRAME_STEP}`,
      );
    }
    const session = this.get(cameraId, sessionId);
    session.lastUsed = Date.now();
    const run = session.queue.then(() => this.answer(session, origin, step, jpeg));
    session.queue = run.catch(() => undefined);
    return run;
  }

  private async answer(
    session: Session,
    origin: FrameOrigin,
    step: number,
    withJpeg: boolean,
  ): Promise<{ info: SessionFrameInfo; jpeg?: Buffer }> {
    // Closed while this request waited its turn: no decoder is opened for it any more.
    if (this.sessions.get(session.id) !== session) this.get(session.cameraId, session.id);
    let row: CameraSegmentRow;
    let i: number;
    if ('atMs' in origin) {
      const found = await this.options.playback.frameAt(session.cameraId, origin.atMs);
      row = await this.row(session, found.segmentId);
      i = found.index;
    } else {
      row = await this.row(session, origin.segmentId);
      i = origin.index;
      const n = (await this.options.playback.segmentIndex(row)).pts.length;
      if (i >= n) {
        throw new KadrError(
          'KADR_ERR_VALIDATION',
          `segment ${row.id} has ${n} frames: index ${i} is past its end`,
        );
      }
    }
    let ix = await this.options.playback.segmentIndex(row);
    i += step;
    while (i >= ix.pts.length) {
      i -= ix.pts.length;
      row = await this.neighbour(session, row, 'next');
      ix = await this.options.playback.segmentIndex(row);
    }
    while (i < 0) {
      row = await this.neighbour(session, row, 'prev');
      ix = await this.options.playback.segmentIndex(row);
      i += ix.pts.length;
    }
    const info = frameInfo(row, ix, i);
    if (!withJpeg) return { info };
    const stepper = await this.stepper(session, row);
    const target = stepper.indexOfPts(ix.pts[i]!);
    if (target < 0) {
      throw new KadrError(
        'KADR_ERR_INPUT_CORRUPT',
        `segment ${row.id} has no frame with pts ${ix.pts[i]}, which its index lists`,
      );
    }
    const picture = await stepper.jpeg(target);
    return { info: { ...info, decoded: picture.decoded }, jpeg: picture.jpeg };
  }

  private async row(session: Session, segmentId: string): Promise<CameraSegmentRow> {
    const known = session.rows.get(segmentId);
    if (known) return known;
    const row = await this.options.repo.segment(segmentId);
    if (!row || row.cameraId !== session.cameraId) {
      throw new KadrError('KADR_ERR_NOT_FOUND', `camera ${session.cameraId} has no segment ${segmentId}`, {
        hint: 'the recordings list names its segments; old ones are deleted by retention',
      });
    }
    session.rows.set(row.id, row);
    return row;
  }

  /** The segment recorded right after (before) `row`, across a gap if there is one. */
  private async neighbour(
    session: Session,
    row: CameraSegmentRow,
    way: 'next' | 'prev',
  ): Promise<CameraSegmentRow> {
    const known = session.neighbours.get(row.id) ?? {};
    let found = known[way];
    if (found === undefined) {
      const around = await this.options.repo.segmentsAround(session.cameraId, row.firstFrameMs);
      found =
        way === 'next'
          ? (around.find((r) => r.firstFrameMs > row.firstFrameMs) ?? null)
          : (around.filter((r) => r.firstFrameMs < row.firstFrameMs).at(-1) ?? null);
      session.neighbours.set(row.id, { ...known, [way]: found });
      if (found) session.rows.set(found.id, found);
    }
    if (!found) {
      throw new KadrError(
        'KADR_ERR_TIME_NOT_RECORDED',
        way === 'next'
          ? `the recording ends at ${iso(row.endsMs)}: there is no later frame`
          : `the recording starts at ${iso(row.firstFrameMs)}: there is no earlier frame`,
        { hint: 'step the other way, or pick a time inside the recording' },
      );
    }
    return found;
  }

  private async stepper(session: Session, row: CameraSegmentRow): Promise<FrameStepper> {
    const cur = session.current;
    if (cur && cur.segmentId === row.id && Date.now() - cur.openedAt < REOPEN_AFTER_MS) return cur.stepper;
    session.current = null;
    if (cur) await cur.stepper.close();
    const location = await this.options.store.readLocation(row.objectKey, 600);
    const stepper = await FrameStepper.open(location, {
      cacheKey: `camera-segment:${row.id}`,
      cacheBytes: this.cacheBytes,
    });
    session.current = { segmentId: row.id, stepper, openedAt: Date.now() };
    return stepper;
  }

  private get(cameraId: string, sessionId: string): Session {
    const session = this.sessions.get(sessionId);
    if (!session || session.cameraId !== cameraId) {
      throw new KadrError(
        'KADR_ERR_NOT_FOUND',
        `frame session ${sessionId} is not open for camera ${cameraId}`,
        {
          hint: `sessions close after ${this.idleMs / 1000} s unused: open another with POST /api/cameras/${cameraId}/frame-sessions`,
        },
      );
    }
    return session;
  }

  private async closeSession(session: Session): Promise<void> {
    if (this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    await session.queue;
    const cur = session.current;
    session.current = null;
    await cur?.stepper.close();
  }

  /** Closes the sessions unused for `idleMs`. */
  async sweep(now = Date.now()): Promise<void> {
    for (const s of [...this.sessions.values()]) {
      if (now - s.lastUsed >= this.idleMs) await this.closeSession(s);
    }
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    for (const s of [...this.sessions.values()]) await this.closeSession(s);
  }
}

function frameInfo(row: CameraSegmentRow, ix: StoredFrameIndex, i: number): SessionFrameInfo {
  const wall = ix.clocks?.ntpMs[i] ?? ix.clocks?.receivedAtMs[i];
  if (wall === undefined || wall === null) {
    throw new KadrError('KADR_ERR_INPUT_CORRUPT', `segment ${row.id} has no wallclock for frame ${i}`);
  }
  return {
    frameTime: iso(wall),
    wallclockMs: wall,
    ptsTicks: ix.pts[i]!.toString(),
    timeBase: `${ix.timeBase.num}/${ix.timeBase.den}`,
    segmentId: row.id,
    index: i,
    keyframe: ix.key[i] ?? false,
    clock: row.wallclockFrom,
    decoded: 0,
  };
}
