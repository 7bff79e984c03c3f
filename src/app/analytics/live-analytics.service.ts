/**
 * Live analytics of cameras (docs/live-analytics.md): attach and detach per camera (kept in PostgreSQL
 * and attached again when the server starts), a CameraAnalysis per camera this server runs, and what
 * its analysed frames become: events with hysteresis (PresenceTracker), their best snapshot in the
 * object store, the detections of every analysed frame, and a live feed of event changes for SSE. A face
 * event of a profile also keeps its best face (box, crop) and a few distinct faces' embeddings, so that
 * the operator can say "this is not X" about it (event-corrections.service.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  COCO_CLASSES,
  keepDistinctFace,
  PresenceTracker,
  type Observation,
  type PresenceChange,
} from '../../analytics/index.js';
import { KadrError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type {
  AnalyticsEventRow,
  AnalyticsEventType,
  DetectionFrame,
  LiveAnalyticsRepository,
  ProfilesRepository,
} from '../../db/index.js';
import type { ObjectStore } from '../../storage/index.js';
import type { CameraAnalyticsDto, CamerasService } from '../cameras/index.js';
import type { AnalysedFrame, AnalyticsSettings } from './analysis-messages.js';
import { CameraAnalysis, type AnalyticsFeeds } from './camera-analysis.js';

export const ANALYTICS_MAX_FPS = 30;
export const EVENTS_MAX_PAGE = 500;
export const EVENT_TYPES: readonly AnalyticsEventType[] = ['person', 'object', 'face', 'profile'];

export interface AnalyticsInput {
  detect: string[];
  fps?: number;
  zones?: [number, number][][] | null;
}

export interface AnalyticsEventDto {
  id: string;
  type: AnalyticsEventType;
  cameraId: string;
  /** COCO class of an object event (`person` for people); null for faces. */
  className: string | null;
  profileId: string | null;
  /**
   * The first analysed frame of the event, ISO 8601 rounded up to the millisecond, so that the
   * recording's frame at this time (the last frame at or before it) is that frame.
   */
  start: string;
  /** The last analysed frame it was seen in (rounded up the same way); null while it goes on. */
  end: string | null;
  startWallclockMs: number;
  endWallclockMs: number | null;
  /** Pts of those frames in the camera's time base (`timeBase`, "num/den"). */
  startPts: string;
  endPts: string | null;
  timeBase: string;
  confidence: number;
  /** The most seen in one analysed frame. */
  count: number;
  snapshotUrl: string | null;
  /** The analysed frame the snapshot shows (rounded up like `start`). */
  snapshotAt: string | null;
  /** A `profile` event's best face: its box in the camera's pixels `[x, y, width, height]`, and its crop. */
  faceBox: [number, number, number, number] | null;
  faceUrl: string | null;
}

export interface EventQuery {
  camera?: string;
  type?: AnalyticsEventType;
  profile?: string;
  fromMs?: number;
  toMs?: number;
  cursor?: string;
  limit?: number;
}

export type LiveAnalyticsEvent = { phase: 'start' | 'update' | 'end'; event: AnalyticsEventDto };
export type LiveAnalyticsListener = (e: LiveAnalyticsEvent) => void;

export interface LiveAnalyticsOptions {
  repo: LiveAnalyticsRepository;
  profiles: ProfilesRepository;
  cameras: CamerasService;
  store: ObjectStore;
  profileDistance: number;
  log: Logger;
  /** An event ends after this long without being seen (default 2 s). */
  leaveAfterMs?: number;
}

interface OpenEvent {
  id: string;
  row: Promise<AnalyticsEventRow | null>;
}

/** A face of an analysed frame that matched a profile (the best-scored one when several did). */
interface MatchedFace {
  score: number;
  box: [number, number, number, number];
  embedding: Float32Array;
  crop: Buffer | undefined;
}

/** What the tracker keeps of an analysed frame: its picture and the faces matched in it, per profile. */
interface FrameKeep {
  jpeg: Buffer | undefined;
  faces: Map<string, MatchedFace>;
}

interface Running {
  analysis: CameraAnalysis;
  tracker: PresenceTracker<FrameKeep>;
  open: Map<string, OpenEvent>;
  /** The distinct faces of each open `profile` event (keepDistinctFace), by tracker key. */
  faceSets: Map<string, Float32Array[]>;
  detections: DetectionFrame[];
  /** Writes of this camera, one after another (an event's end never overtakes its start). */
  writes: Promise<void>;
}

/** Flush a camera's per-frame detections this often. */
const DETECTIONS_FLUSH_MS = 2000;
const PROFILES_REFRESH_MS = 10_000;
/**
 * How often the analyses follow where the cameras run: with several nodes a camera becomes local when
 * this node takes its lease (after start, or from a node that died) and stops being local when it
 * gives it up (docs/nodes.md), so the analysis starts and stops with it.
 */
const FOLLOW_MS = 1000;

export class LiveAnalyticsService {
  private readonly settings = new Map<string, AnalyticsSettings>();
  private readonly running = new Map<string, Running>();
  private readonly listeners = new Set<LiveAnalyticsListener>();
  private feeds: AnalyticsFeeds | null = null;
  private isLocal: (cameraId: string) => boolean = () => true;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(private readonly o: LiveAnalyticsOptions) {}

  /** Loads what is attached (the camera objects show it at once). */
  async load(): Promise<void> {
    for (const row of await this.o.repo.allSettings()) {
      this.settings.set(row.cameraId, { detect: row.detect, fps: row.fps, zones: row.zones });
    }
    this.o.cameras.useAnalytics((id) => this.dto(id));
  }

  /** Starts the analysis of every attached camera that `isLocal` says this server runs. */
  async useFeeds(feeds: AnalyticsFeeds, isLocal: (cameraId: string) => boolean): Promise<void> {
    this.feeds = feeds;
    this.isLocal = isLocal;
    for (const id of this.settings.keys()) this.start(id);
    this.timers.push(setInterval(() => void this.flushAll(), DETECTIONS_FLUSH_MS));
    this.timers.push(setInterval(() => void this.follow(), FOLLOW_MS));
    this.timers.push(setInterval(() => void this.refreshProfiles(), PROFILES_REFRESH_MS));
  }

  dto(cameraId: string): CameraAnalyticsDto | null {
    const s = this.settings.get(cameraId);
    if (!s) return null;
    const run = this.running.get(cameraId)?.analysis;
    return {
      detect: [...s.detect],
      fps: s.fps,
      zones: s.zones,
      running: run !== undefined,
      framesAnalysed: run?.framesAnalysed ?? 0,
      framesSkipped: run?.framesSkipped ?? 0,
      restarts: run?.restarts ?? 0,
    };
  }

  /** The pid of a camera's analysis process (for operators and tests); null when none runs. */
  analysisPid(cameraId: string): number | null {
    return this.running.get(cameraId)?.analysis.pid ?? null;
  }

  async attach(cameraId: string, input: AnalyticsInput): Promise<void> {
    await this.o.cameras.get(cameraId); // 404 for an unknown camera
    const settings = validate(input);
    await this.o.repo.putSettings({ cameraId, ...settings });
    this.settings.set(cameraId, settings);
    await this.stopRunning(cameraId);
    this.start(cameraId);
  }

  async detach(cameraId: string): Promise<void> {
    await this.o.cameras.get(cameraId);
    const had = await this.o.repo.deleteSettings(cameraId);
    this.settings.delete(cameraId);
    await this.stopRunning(cameraId);
    if (!had) throw new KadrError('KADR_ERR_NOT_FOUND', `camera ${cameraId} has no analytics attached`);
  }

  subscribe(listener: LiveAnalyticsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async events(q: EventQuery): Promise<{ items: AnalyticsEventDto[]; next: string | null }> {
    const limit = q.limit ?? 100;
    const afterSeq = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    const rows = await this.o.repo.events({
      ...(q.camera ? { cameraId: q.camera } : {}),
      ...(q.type ? { type: q.type } : {}),
      ...(q.profile ? { profileId: q.profile } : {}),
      ...(q.fromMs !== undefined ? { fromMs: q.fromMs } : {}),
      ...(q.toMs !== undefined ? { toMs: q.toMs } : {}),
      ...(afterSeq ? { afterSeq } : {}),
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    const next = rows.length > limit ? Buffer.from(items.at(-1)!.seq).toString('base64url') : null;
    return { items: items.map(toEventDto), next };
  }

  async snapshot(eventId: string): Promise<Readable> {
    const row = UUID.test(eventId) ? await this.o.repo.event(eventId) : null;
    if (!row) throw new KadrError('KADR_ERR_NOT_FOUND', `no event ${eventId}`);
    if (!row.snapshotKey) throw new KadrError('KADR_ERR_NOT_FOUND', `event ${eventId} has no snapshot`);
    return this.o.store.get(row.snapshotKey);
  }

  /** The crop of a `profile` event's best face. */
  async faceCrop(eventId: string): Promise<Readable> {
    const row = UUID.test(eventId) ? await this.o.repo.event(eventId) : null;
    if (!row) throw new KadrError('KADR_ERR_NOT_FOUND', `no event ${eventId}`);
    if (!row.faceCropKey) {
      throw new KadrError('KADR_ERR_NOT_FOUND', `event ${eventId} has no face crop`, {
        hint: 'only events of type profile keep their best face (those stored since migration 013)',
      });
    }
    return this.o.store.get(row.faceCropKey);
  }

  /**
   * After a correction of event `eventId` (or of the profiles): the running analyses match against the
   * profiles as they are now, at once rather than at the next reload, and the event's change goes out
   * on the live feed. Returns the event.
   */
  async corrected(eventId: string): Promise<AnalyticsEventDto> {
    await this.refreshProfiles();
    const row = await this.o.repo.event(eventId);
    if (!row) throw new KadrError('KADR_ERR_NOT_FOUND', `no event ${eventId}`);
    this.emit('update', row);
    return toEventDto(row);
  }

  async detections(cameraId: string, fromMs: number, toMs: number): Promise<DetectionFrame[]> {
    await this.o.cameras.get(cameraId);
    await this.running.get(cameraId)?.writes;
    await this.flush(cameraId);
    return this.o.repo.detections(cameraId, fromMs, toMs);
  }

  /** Starts the analysis of attached cameras that became local, stops those that no longer are. */
  private async follow(): Promise<void> {
    for (const id of this.settings.keys()) {
      if (!this.running.has(id)) this.start(id);
    }
    for (const id of [...this.running.keys()]) {
      if (!this.isLocal(id)) await this.stopRunning(id);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    await Promise.all([...this.running.keys()].map((id) => this.stopRunning(id)));
  }

  private start(cameraId: string): void {
    const settings = this.settings.get(cameraId);
    if (!settings || !this.feeds || this.closed || !this.isLocal(cameraId)) return;
    const tracker = new PresenceTracker<FrameKeep>({ leaveAfterMs: this.o.leaveAfterMs ?? 2000 });
    const running: Running = {
      analysis: null as unknown as CameraAnalysis,
      tracker,
      open: new Map(),
      faceSets: new Map(),
      detections: [],
      writes: Promise.resolve(),
    };
    running.analysis = new CameraAnalysis({
      cameraId,
      settings,
      feeds: this.feeds,
      profiles: () => this.knownProfiles(),
      profileDistance: this.o.profileDistance,
      onFrame: (frame) => this.onFrame(cameraId, running, frame),
      log: this.o.log,
    });
    this.running.set(cameraId, running);
    this.o.log.info('camera analytics attached', {
      camera: cameraId,
      detect: settings.detect,
      fps: settings.fps,
    });
  }

  private async stopRunning(cameraId: string): Promise<void> {
    const running = this.running.get(cameraId);
    if (!running) return;
    this.running.delete(cameraId);
    await running.analysis.stop();
    this.apply(cameraId, running, running.tracker.flush(), '');
    await running.writes;
    await this.writeDetections(cameraId, running);
  }

  private onFrame(cameraId: string, running: Running, frame: AnalysedFrame): void {
    const observations = new Map<string, Observation>();
    const see = (
      key: string,
      type: Observation['type'],
      className: string | null,
      profileId: string | null,
      score: number,
    ) => {
      const o = observations.get(key);
      if (o) {
        o.count++;
        o.score = Math.max(o.score, score);
      } else observations.set(key, { key, type, className, profileId, score, count: 1 });
    };
    const faces = new Map<string, MatchedFace>();
    for (const d of frame.detections) {
      if (d.kind === 'person') see('person', 'person', 'person', null, d.score);
      else if (d.kind === 'object') see(`object:${d.className}`, 'object', d.className, null, d.score);
      else {
        see('face', 'face', null, null, d.score);
        if (d.profileId) see(`profile:${d.profileId}`, 'profile', null, d.profileId, d.score);
        if (d.profileId && d.embedding && (faces.get(d.profileId)?.score ?? -1) < d.score) {
          const crop = d.crop ? Buffer.from(d.crop) : undefined;
          faces.set(d.profileId, { score: d.score, box: d.box, embedding: d.embedding, crop });
        }
      }
    }
    const jpeg = frame.jpeg ? Buffer.from(frame.jpeg) : undefined;
    const changes = running.tracker.push(
      { pts: frame.pts, wallMs: frame.wallMs, snapshot: { jpeg, faces } },
      [...observations.values()],
    );
    const tb = running.analysis.timeBase;
    running.detections.push({
      t: frame.wallMs,
      pts: frame.pts.toString(),
      d: frame.detections.map((d) => [d.className, d.score, ...d.box, ...(d.profileId ? [d.profileId] : [])]),
    });
    for (const c of changes) {
      if (c.kind === 'start' && c.obs.profileId) {
        const set: Float32Array[] = [];
        for (const f of [c.best, c.start]) {
          const face = f.snapshot?.faces.get(c.obs.profileId);
          if (face) keepDistinctFace(set, face.embedding);
        }
        running.faceSets.set(c.key, set);
      } else if (c.kind === 'end') running.faceSets.delete(c.key);
    }
    this.apply(cameraId, running, changes, tb);
    // The open events' faces: a new distinct one is stored with its event (at most EVENT_FACES times).
    for (const [key, set] of running.faceSets) {
      const face = faces.get(profileOf(key));
      if (face && keepDistinctFace(set, face.embedding)) {
        this.queue(cameraId, running, () => this.storeFaces(running, key, set));
      }
    }
  }

  /** Stores the faces kept so far of the event open under `key` (set: its faces, taken when queued). */
  private async storeFaces(running: Running, key: string, set: Float32Array[]): Promise<void> {
    const open = running.open.get(key);
    if (!open) return;
    await this.o.repo.updateEvent(open.id, { faceEmbeddings: [...set] });
  }

  /** Stores the event's best face of `profileId` from `frame`: its crop under the event's face key. */
  private async putFace(
    cameraId: string,
    frame: FrameKeep | undefined,
    profileId: string | null,
    before: AnalyticsEventRow | null,
  ): Promise<{ faceBox: [number, number, number, number]; faceCropKey?: string } | null> {
    const face = profileId ? frame?.faces.get(profileId) : undefined;
    if (!face) return null;
    if (!face.crop) return { faceBox: face.box };
    const faceCropKey = before?.faceCropKey ?? `analytics/${cameraId}/${randomUUID()}-face.jpg`;
    await this.o.store.put(faceCropKey, face.crop, { contentType: 'image/jpeg' });
    return { faceBox: face.box, faceCropKey };
  }

  private apply(cameraId: string, running: Running, changes: PresenceChange<FrameKeep>[], tb: string): void {
    for (const c of changes) {
      // The faces of a starting event as they are now: the event may end before its write runs.
      const set = c.kind === 'start' ? running.faceSets.get(c.key) : undefined;
      this.queue(cameraId, running, () => this.persist(cameraId, running, c, tb, set));
    }
  }

  /** Runs a write of the camera's events after the ones before it. */
  private queue(cameraId: string, running: Running, write: () => Promise<void>): void {
    running.writes = running.writes
      .then(write)
      .catch((e) =>
        this.o.log.warn('analytics event not stored', { camera: cameraId, error: (e as Error).message }),
      );
  }

  private async persist(
    cameraId: string,
    running: Running,
    c: PresenceChange<FrameKeep>,
    tb: string,
    set?: Float32Array[],
  ) {
    if (c.kind === 'start') {
      const jpeg = c.best.snapshot?.jpeg;
      const snapshotKey = jpeg ? `analytics/${cameraId}/${randomUUID()}.jpg` : null;
      if (snapshotKey) await this.o.store.put(snapshotKey, jpeg!, { contentType: 'image/jpeg' });
      const face = await this.putFace(cameraId, c.best.snapshot, c.obs.profileId, null);
      const row = await this.o.repo.insertEvent({
        cameraId,
        type: c.obs.type,
        className: c.obs.className,
        profileId: c.obs.profileId,
        startMs: c.start.wallMs,
        startPts: c.start.pts,
        timeBase: tb,
        confidence: c.bestScore,
        maxCount: c.maxCount,
        snapshotKey,
        snapshotMs: snapshotKey ? c.best.wallMs : null,
        faceBox: face?.faceBox ?? null,
        faceCropKey: face?.faceCropKey ?? null,
        faceEmbeddings: set && set.length > 0 ? [...set] : null,
      });
      running.open.set(c.key, { id: row.id, row: Promise.resolve(row) });
      this.emit('start', row);
      return;
    }
    const open = running.open.get(c.key);
    if (!open) return;
    const before = await open.row;
    if (c.kind === 'best') {
      const snapshotKey = before?.snapshotKey ?? `analytics/${cameraId}/${randomUUID()}.jpg`;
      const jpeg = c.best.snapshot?.jpeg;
      if (jpeg) await this.o.store.put(snapshotKey, jpeg, { contentType: 'image/jpeg' });
      const face = c.key.startsWith(PROFILE_KEY)
        ? await this.putFace(cameraId, c.best.snapshot, profileOf(c.key), before)
        : null;
      const row = await this.o.repo.updateEvent(open.id, {
        confidence: c.bestScore,
        maxCount: c.maxCount,
        ...(jpeg ? { snapshotKey, snapshotMs: c.best.wallMs } : {}),
        ...(face ?? {}),
      });
      open.row = Promise.resolve(row);
      if (row) this.emit('update', row);
      return;
    }
    running.open.delete(c.key);
    const row = await this.o.repo.updateEvent(open.id, {
      endMs: c.end.wallMs,
      endPts: c.end.pts,
      maxCount: c.maxCount,
    });
    if (row) this.emit('end', row);
  }

  private emit(phase: LiveAnalyticsEvent['phase'], row: AnalyticsEventRow): void {
    const event = toEventDto(row);
    for (const l of this.listeners) l({ phase, event });
  }

  private async flushAll(): Promise<void> {
    for (const id of this.running.keys()) await this.flush(id);
  }

  private async flush(cameraId: string): Promise<void> {
    const running = this.running.get(cameraId);
    if (running) await this.writeDetections(cameraId, running);
  }

  private async writeDetections(cameraId: string, running: Running): Promise<void> {
    const frames = running.detections.splice(0);
    if (frames.length === 0) return;
    await this.o.repo
      .appendDetections(cameraId, frames)
      .catch((e) =>
        this.o.log.warn('analysed frames not stored', { camera: cameraId, error: (e as Error).message }),
      );
  }

  private async knownProfiles() {
    return (await this.o.profiles.embeddings()).map((p) => ({
      id: p.id,
      embeddings: p.embeddings,
      negatives: p.negatives,
    }));
  }

  private async refreshProfiles(): Promise<void> {
    const faces = [...this.running.values()].filter((r) => r.analysis.settings.detect.includes('faces'));
    if (faces.length === 0) return;
    const profiles = await this.knownProfiles().catch(() => null);
    if (profiles) for (const r of faces) r.analysis.updateProfiles(profiles);
  }
}

/** The tracker key of a profile's face event is `profile:<id>`. */
const PROFILE_KEY = 'profile:';
const profileOf = (key: string) => key.slice(PROFILE_KEY.length);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function decodeCursor(cursor: string): string {
  const seq = Buffer.from(cursor, 'base64url').toString();
  if (!/^\d{1,18}$/.test(seq)) throw new KadrError('KADR_ERR_VALIDATION', `bad cursor '${cursor}'`);
  return seq;
}

/** What `detect` may name besides COCO classes. */
const DETECT_WORDS = ['faces', 'persons', 'objects'];

function validate(input: AnalyticsInput): AnalyticsSettings {
  const classes: readonly string[] = COCO_CLASSES;
  const detect = [...new Set(input.detect)];
  if (detect.length === 0) throw new KadrError('KADR_ERR_VALIDATION', 'detect names nothing');
  for (const d of detect) {
    if (!DETECT_WORDS.includes(d) && !classes.includes(d)) {
      throw new KadrError('KADR_ERR_VALIDATION', `cannot detect '${d}'`, {
        hint: `use faces, persons, objects, or a COCO class name (${classes.slice(1, 6).join(', ')}, …)`,
      });
    }
  }
  const fps = input.fps ?? 5;
  if (!(fps > 0 && fps <= ANALYTICS_MAX_FPS)) {
    throw new KadrError(
      'KADR_ERR_VALIDATION',
      `fps must be above 0 and at most ${ANALYTICS_MAX_FPS}, got ${fps}`,
    );
  }
  const zones = input.zones ?? null;
  for (const zone of zones ?? []) {
    if (zone.length < 3 || zone.some((p) => p.some((v) => !(v >= 0 && v <= 1)))) {
      throw new KadrError(
        'KADR_ERR_VALIDATION',
        'a zone is a polygon of at least 3 points in 0…1 picture coordinates',
      );
    }
  }
  // "person" as a class name means the same as "persons".
  return { detect: detect.map((d) => (d === 'person' ? 'persons' : d)), fps, zones };
}

/** Up to the next whole millisecond: the recording's frame at that time is the frame itself. */
const isoUp = (ms: number) => new Date(Math.ceil(ms)).toISOString();

function toEventDto(r: AnalyticsEventRow): AnalyticsEventDto {
  return {
    id: r.id,
    type: r.type,
    cameraId: r.cameraId,
    className: r.className,
    profileId: r.profileId,
    start: isoUp(r.startMs),
    end: r.endMs === null ? null : isoUp(r.endMs),
    startWallclockMs: r.startMs,
    endWallclockMs: r.endMs,
    startPts: r.startPts.toString(),
    endPts: r.endPts === null ? null : r.endPts.toString(),
    timeBase: r.timeBase,
    confidence: Math.round(r.confidence * 1000) / 1000,
    count: r.maxCount,
    snapshotUrl: r.snapshotKey ? `/api/events/${r.id}/snapshot` : null,
    snapshotAt: r.snapshotMs === null ? null : isoUp(r.snapshotMs),
    faceBox: r.faceBox,
    faceUrl: r.faceCropKey ? `/api/events/${r.id}/face` : null,
  };
}
