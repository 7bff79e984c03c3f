/**
 * Triggered recordings of a camera group (docs/cameras.md, "Groups and triggers"): one call asks
 * every camera of a group for a clip that starts at one wallclock instant, the trigger.
 *
 * "Without delays": a camera's recording must contain the trigger instant although its next keyframe
 * comes later. A camera that records continuously already has it; its clip just references the
 * stored segments. A camera that does not is switched on at once, and its recorder's subscription to
 * the camera's hub joins at the last keyframe the hub keeps (the current GOP): that GOP is the
 * pre-roll in memory, and the recording starts before the trigger instant. Each clip is then a clip
 * export (camera-exports.ts), frame-exact: its first frame shown is the one at `at - preRoll`, and
 * the frame at the trigger instant lies `preRoll` into every clip, whatever each camera's keyframes.
 *
 * Across nodes (docs/nodes.md) the trigger is database and object-store work and runs on the node
 * that took the request; a camera another node owns is switched on through its row (its owner
 * applies it at its next heartbeat, so its pre-roll covers the trigger only when that comes within
 * the kept GOP: a camera that must not miss a trigger records continuously).
 *
 * The spread: the frame shown at the trigger instant differs per camera by less than a frame
 * interval (each shows its last frame at or before the instant); the result gives the wallclock of
 * each and the spread, max - min of them.
 */
import { KadrError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { CameraGroupsRepository, CameraRecordingsRepository, CameraTriggerRow } from '../../db/index.js';
import type { CameraExportDto, CameraExports } from './camera-exports.js';
import type { CameraGroups } from './camera-groups.js';
import type { CameraPlayback } from './camera-playback.js';
import type { CamerasService } from './cameras.service.js';

export const DEFAULT_TRIGGER_DURATION_S = 30;
export const MAX_TRIGGER_DURATION_S = 600;
export const MAX_PRE_ROLL_S = 60;
/** How far from now a trigger instant may lie. */
export const MAX_TRIGGER_OFFSET_MS = 3600_000;

export interface TriggerCameraResult {
  cameraId: string;
  exportId: string | null;
  /** pending until the trigger's clips are written. */
  status: 'pending' | 'done' | 'failed';
  key: string | null;
  frames: number | null;
  /** Wallclock of the clip's first frame shown (the one at `at - preRoll`), ISO 8601 with ms. */
  firstFrameTime: string | null;
  /** Wallclock of the frame shown at the trigger instant: the last at or before it. */
  triggerFrameTime: string | null;
  error: string | null;
}

export interface CameraTriggerDto {
  id: string;
  groupId: string | null;
  at: string;
  preRollSeconds: number;
  durationSeconds: number;
  /** recording: waiting for the window to be recorded; exporting: the clips are written. */
  status: CameraTriggerRow['status'];
  progress: number;
  cameras: TriggerCameraResult[];
  /** max - min of the cameras' triggerFrameTime, in ms; null until two or more are known. */
  spreadMs: number | null;
  error: string | null;
}

interface TriggerResult {
  cameras: TriggerCameraResult[];
  spreadMs: number | null;
}

export interface CameraTriggersOptions {
  triggers: CameraGroupsRepository;
  groups: CameraGroups;
  cameras: Pick<CamerasService, 'get' | 'startRecording' | 'stopRecording' | 'holdPreRoll'>;
  recordings: Pick<CameraRecordingsRepository, 'lastSegmentEnd'>;
  exports: Pick<CameraExports, 'create' | 'get'>;
  playback: Pick<CameraPlayback, 'frameAt'>;
  /** Length of the recordings' segments: a row covers the window's end at most this long after it. */
  segmentMs: number;
  log: Logger;
  now?: () => number;
}

const iso = (ms: number) => new Date(Math.floor(ms)).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());
/** A frame with a wallclock before the window's end arrives some network and encoder latency later. */
const LATE_FRAMES_MS = 1000;
const POLL_MS = 250;

export class CameraTriggers {
  private readonly running = new Set<Promise<void>>();
  /** Cameras a trigger of this process switched on, and the triggers that still need them. */
  private readonly holders = new Map<string, Set<string>>();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly o: CameraTriggersOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Marks triggers a stopped process left unfinished as failed. */
  async recover(): Promise<void> {
    // Longer than a live trigger waits for its last segment row, so another node's is never taken.
    const n = await this.o.triggers.failStale(Math.max(120, (this.o.segmentMs * 2) / 1000 + 60));
    if (n > 0) this.o.log.warn('unfinished triggers marked failed', { count: n });
  }

  async trigger(
    groupId: string,
    input: { atMs?: number | undefined; durationS?: number | undefined; preRollS?: number | undefined },
  ): Promise<CameraTriggerDto> {
    const group = await this.o.groups.row(groupId);
    const now = this.now();
    const atMs = input.atMs ?? now;
    const durationS = input.durationS ?? DEFAULT_TRIGGER_DURATION_S;
    const preRollS = input.preRollS ?? 0;
    if (Math.abs(atMs - now) > MAX_TRIGGER_OFFSET_MS) {
      throw new KadrError('KADR_ERR_VALIDATION', '`at` must lie within an hour of now', {
        hint: 'leave `at` out to trigger now; export older recordings with POST /api/cameras/:id/exports',
      });
    }
    if (!(durationS > 0 && durationS <= MAX_TRIGGER_DURATION_S)) {
      throw new KadrError(
        'KADR_ERR_VALIDATION',
        `durationSeconds must be above 0 and ${MAX_TRIGGER_DURATION_S} at most`,
      );
    }
    if (!(preRollS >= 0 && preRollS <= MAX_PRE_ROLL_S)) {
      throw new KadrError('KADR_ERR_VALIDATION', `preRollSeconds must be 0 to ${MAX_PRE_ROLL_S}`);
    }
    // Before anything waits on the database again: a keyframe arriving meanwhile would replace the
    // GOP that holds the trigger instant (cameras that record already need nothing).
    for (const id of group.cameraIds) this.o.cameras.holdPreRoll(id);
    const row = await this.o.triggers.insertTrigger({
      groupId: group.id,
      cameraIds: group.cameraIds,
      atMs,
      preRollMs: preRollS * 1000,
      durationMs: durationS * 1000,
    });
    // Switched on before answering: the kept GOP is the pre-roll only while the trigger is in it.
    const started = await this.switchOn(row);
    const job = this.run(row, started).catch((error: unknown) =>
      this.o.log.error('trigger failed', { trigger: row.id, error: (error as Error).message }),
    );
    this.running.add(job);
    void job.finally(() => this.running.delete(job));
    return dto({ ...row, startedRecording: started });
  }

  async get(id: string): Promise<CameraTriggerDto> {
    const row = await this.o.triggers.getTrigger(id);
    if (!row) throw new KadrError('KADR_ERR_NOT_FOUND', `trigger ${id} does not exist`);
    return dto(row);
  }

  /** Stops waiting; the triggers under way are left to recover() (stop). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.running]);
  }

  /** Switches recording on where it is off; returns the cameras this trigger holds on. */
  private async switchOn(row: CameraTriggerRow): Promise<string[]> {
    const held: string[] = [];
    // All at once: each recorder must subscribe before its camera's next keyframe replaces the GOP.
    const switchOne = async (cameraId: string) => {
      const holders = this.holders.get(cameraId);
      if (holders) {
        holders.add(row.id);
        held.push(cameraId);
        return;
      }
      const camera = await this.o.cameras.get(cameraId).catch(() => undefined);
      if (!camera || camera.record) return;
      const on = await this.o.cameras.startRecording(cameraId).then(
        () => true,
        (error: unknown) => {
          // Its clip then fails with the reason; the other cameras go on.
          this.o.log.warn('cannot switch recording on for a trigger', {
            camera: cameraId,
            error: (error as Error).message,
          });
          return false;
        },
      );
      if (!on) return;
      this.holders.set(cameraId, new Set([row.id]));
      held.push(cameraId);
    };
    await Promise.all(row.cameraIds.map(switchOne));
    if (held.length) await this.o.triggers.updateTrigger(row.id, { startedRecording: held });
    return held;
  }

  /** Switches recording off again where this trigger was the last to need it. */
  private async release(row: CameraTriggerRow, held: string[]): Promise<void> {
    for (const cameraId of held) {
      const holders = this.holders.get(cameraId);
      holders?.delete(row.id);
      if (holders && holders.size > 0) continue;
      this.holders.delete(cameraId);
      await this.o.cameras.stopRecording(cameraId).catch((error: unknown) =>
        this.o.log.warn('cannot switch recording off after a trigger', {
          camera: cameraId,
          error: (error as Error).message,
        }),
      );
    }
  }

  private async run(row: CameraTriggerRow, held: string[]): Promise<void> {
    const log = this.o.log.child({ trigger: row.id });
    const fromMs = row.atMs - row.preRollMs;
    const toMs = row.atMs + row.durationMs;
    try {
      await this.waitUntil(toMs + LATE_FRAMES_MS);
    } finally {
      // Stopping stores each recorder's last segment: the window's end is in a row at once.
      await this.release(row, held);
    }
    // A segment's row is written when the segment closes: at the next rollover at the latest.
    const deadline = this.now() + this.o.segmentMs * 2 + 30_000;
    const pending = new Set(row.cameraIds);
    while (pending.size > 0 && this.now() < deadline && !this.closed) {
      for (const cameraId of pending) {
        const end = await this.o.recordings.lastSegmentEnd(cameraId);
        if (end !== null && end >= toMs) pending.delete(cameraId);
      }
      if (pending.size > 0) await sleep(POLL_MS);
    }
    if (this.closed) return;
    await this.o.triggers.updateTrigger(row.id, { status: 'exporting', progress: 0 });
    const exports = await Promise.all(
      row.cameraIds.map(async (cameraId) => {
        try {
          return { cameraId, export: await this.o.exports.create(cameraId, fromMs, toMs) };
        } catch (error) {
          return { cameraId, error: (error as Error).message };
        }
      }),
    );
    const results = new Map<string, CameraExportDto>();
    let reported = 0;
    while (!this.closed) {
      for (const e of exports) if (e.export) results.set(e.cameraId, await this.o.exports.get(e.export.id));
      const all = [...results.values()];
      if (all.every((x) => x.status === 'done' || x.status === 'failed')) break;
      const progress = all.reduce((n, x) => n + x.progress, 0) / Math.max(1, exports.length);
      if (progress >= reported + 5) {
        reported = progress;
        await this.o.triggers.updateTrigger(row.id, { progress });
      }
      await sleep(POLL_MS);
    }
    if (this.closed) return;
    const cameras: TriggerCameraResult[] = [];
    for (const e of exports) {
      const x = results.get(e.cameraId);
      const done = x?.status === 'done';
      const triggerFrame = done
        ? await this.o.playback.frameAt(e.cameraId, row.atMs).catch(() => undefined)
        : undefined;
      cameras.push({
        cameraId: e.cameraId,
        exportId: x?.id ?? null,
        status: done ? 'done' : 'failed',
        key: x?.key ?? null,
        frames: x?.frames ?? null,
        firstFrameTime: x?.firstFrameTime ?? null,
        triggerFrameTime: triggerFrame?.frameTime ?? null,
        error: e.error ?? x?.error ?? null,
      });
    }
    const times = cameras.flatMap((c) => (c.triggerFrameTime ? [Date.parse(c.triggerFrameTime)] : []));
    const spreadMs = times.length >= 2 ? Math.max(...times) - Math.min(...times) : null;
    const failed = cameras.filter((c) => c.status === 'failed').length;
    const result: TriggerResult = { cameras, spreadMs };
    await this.o.triggers.updateTrigger(row.id, {
      status: failed === 0 ? 'done' : 'failed',
      progress: 100,
      result,
      ...(failed ? { error: `${failed} of ${cameras.length} cameras have no clip` } : {}),
    });
    log.info('trigger done', { at: iso(row.atMs), cameras: cameras.length, failed, spreadMs });
  }

  private async waitUntil(ms: number): Promise<void> {
    while (!this.closed && this.now() < ms) await sleep(Math.min(POLL_MS * 4, ms - this.now()));
  }
}

function dto(r: CameraTriggerRow): CameraTriggerDto {
  const result = r.result as TriggerResult | null;
  return {
    id: r.id,
    groupId: r.groupId,
    at: iso(r.atMs),
    preRollSeconds: r.preRollMs / 1000,
    durationSeconds: r.durationMs / 1000,
    status: r.status,
    progress: Math.round(r.progress),
    cameras:
      result?.cameras ??
      r.cameraIds.map((cameraId) => ({
        cameraId,
        exportId: null,
        status: 'pending' as const,
        key: null,
        frames: null,
        firstFrameTime: null,
        triggerFrameTime: null,
        error: null,
      })),
    spreadMs: result?.spreadMs ?? null,
    error: r.error,
  };
}
