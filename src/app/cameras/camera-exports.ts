/**
 * Clip export of a camera's recording (docs/camera-recording.md, "Clip export"): one MP4 object
 * between two wallclock times, frame-exact at both ends and without re-encoding (media/clip-writer:
 * packets copied from the keyframe before the first frame, an edit list that starts presentation at
 * it and ends it after the last frame, B-frames or not). The first frame is the one the frame route answers for `from` (the last at or before it), the
 * last is the last frame before `to`. The span must be recorded without a break: a span that crosses
 * a gap, or whose ends are not recorded, is refused (404) before anything is queued.
 *
 * Runs in-process, one export at a time per node, with its progress in `camera_exports`: an export
 * only copies packets (seconds of I/O for minutes of video) and needs the recording's object store and
 * nothing of the analysis workers, so it does not go through the job queue. An export that a stopped
 * process left unfinished (its row unchanged for 2 minutes) is marked failed at the next start.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { KadrError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { CameraExportRow, CameraExportsRepository, CameraRecordingsRepository } from '../../db/index.js';
import { writeClip } from '../../media/index.js';
import type { ObjectStore } from '../../storage/index.js';
import type { CameraPlayback } from './camera-playback.js';

/** The longest clip one export may cover. */
export const MAX_EXPORT_SPAN_MS = 6 * 3600 * 1000;

export interface CameraExportDto {
  id: string;
  cameraId: string;
  from: string;
  to: string;
  status: CameraExportRow['status'];
  progress: number;
  key: string | null;
  frames: number | null;
  firstFrameTime: string | null;
  error: string | null;
}

export interface CameraExportsOptions {
  exports: CameraExportsRepository;
  recordings: CameraRecordingsRepository;
  playback: CameraPlayback;
  store: Pick<ObjectStore, 'readLocation' | 'put' | 'get' | 'head'>;
  /** Where the MP4 is written before it is stored. */
  workDir: string;
  log: Logger;
}

interface Plan {
  sources: string[];
  firstPts: bigint;
  lastPts: bigint;
  firstFrameMs: number;
  /** Frames of the segments read, for the progress. */
  totalFrames: number;
}

const iso = (ms: number) => new Date(Math.floor(ms)).toISOString();

export class CameraExports {
  private queue: Promise<void> = Promise.resolve();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly o: CameraExportsOptions) {}

  /** Marks exports a stopped process left unfinished as failed. */
  async recover(): Promise<void> {
    const n = await this.o.exports.failStale(120);
    if (n > 0) this.o.log.warn('unfinished exports marked failed', { count: n });
  }

  /** Validates the span (404/400 before anything is queued), stores the row and queues the export. */
  async create(cameraId: string, fromMs: number, toMs: number): Promise<CameraExportDto> {
    if (!(toMs > fromMs)) throw new KadrError('KADR_ERR_VALIDATION', '`to` must be after `from`');
    if (toMs - fromMs > MAX_EXPORT_SPAN_MS) {
      throw new KadrError('KADR_ERR_VALIDATION', 'from..to may span 6 hours at most', {
        hint: 'export the span in smaller pieces',
      });
    }
    const plan = await this.plan(cameraId, fromMs, toMs);
    const row = await this.o.exports.insert(cameraId, fromMs, toMs);
    const job = this.queue.then(() => this.run(row, plan));
    // One failure must not stop the exports queued after it.
    this.queue = job.catch(() => undefined);
    this.running.add(job);
    const settled = () => void this.running.delete(job);
    job.then(settled, settled);
    return dto(row);
  }

  async get(id: string): Promise<CameraExportDto> {
    const row = await this.o.exports.get(id);
    if (!row) throw new KadrError('KADR_ERR_NOT_FOUND', `export ${id} does not exist`);
    return dto(row);
  }

  /** The MP4 of a finished export, to download; 409 while it is not done. */
  async file(id: string): Promise<{ stream: Readable; size: number; filename: string }> {
    const row = await this.o.exports.get(id);
    if (!row) throw new KadrError('KADR_ERR_NOT_FOUND', `export ${id} does not exist`);
    if (row.status !== 'done' || !row.objectKey) {
      throw new KadrError('KADR_ERR_CONFLICT', `export ${id} is ${row.status}, not done`, {
        hint: 'follow GET /api/exports/:id until its status is done',
      });
    }
    const key = row.objectKey;
    const info = await this.o.store.head(key);
    if (!info) throw new KadrError('KADR_ERR_NOT_FOUND', `the file of export ${id} is gone`);
    const stamp = iso(row.firstFrameMs ?? row.fromMs).replace(/[:.]/g, '-');
    return { stream: await this.o.store.get(key), size: info.size, filename: `clip-${stamp}.mp4` };
  }

  /** Waits for the exports under way (stop). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private async plan(cameraId: string, fromMs: number, toMs: number): Promise<Plan> {
    const first = await this.o.playback.frameAt(cameraId, fromMs).catch((e: unknown) => {
      throw notRecorded(e, 'from', fromMs);
    });
    // The last frame before `to`: the frame shown just before it (1 µs, the resolution of the rows).
    const last = await this.o.playback.frameAt(cameraId, toMs - 0.001).catch((e: unknown) => {
      throw notRecorded(e, 'to', toMs);
    });
    const firstPts = BigInt(first.ptsTicks);
    const lastPts = BigInt(last.ptsTicks);
    const firstFrameMs = Date.parse(first.frameTime);
    const rows = await this.o.recordings.segmentsBetween(cameraId, firstFrameMs, toMs);
    const a = rows.findIndex((r) => r.id === first.segmentId);
    const b = rows.findIndex((r) => r.id === last.segmentId);
    if (a < 0 || b < a || lastPts < firstPts) {
      throw new KadrError(
        'KADR_ERR_TIME_NOT_RECORDED',
        `from..to is not one recorded span of camera ${cameraId}`,
      );
    }
    const chain = rows.slice(a, b + 1);
    for (const [i, row] of chain.entries()) {
      // A segment continues the one before only after a rollover; any other start follows a gap.
      if (i > 0 && (row.startedReason !== 'rollover' || row.firstPtsTicks <= chain[i - 1]!.lastPtsTicks)) {
        throw new KadrError(
          'KADR_ERR_TIME_NOT_RECORDED',
          `from..to crosses a gap in the recording before ${iso(row.firstFrameMs)} (${row.startedReason})`,
          {
            hint: 'export the recorded pieces on either side of the gap separately (GET .../recordings lists them)',
          },
        );
      }
    }
    const sources = await Promise.all(chain.map((r) => this.o.store.readLocation(r.objectKey, 3600)));
    const totalFrames = chain.reduce((n, r) => n + r.frames, 0);
    return { sources, firstPts, lastPts, firstFrameMs, totalFrames };
  }

  private async run(row: CameraExportRow, plan: Plan): Promise<void> {
    const log = this.o.log.child({ export: row.id, camera: row.cameraId });
    const file = path.join(this.o.workDir, `${row.id}-${randomUUID()}.mp4`);
    try {
      await mkdir(this.o.workDir, { recursive: true });
      await this.o.exports.progress(row.id, 'running', 0);
      let reported = 0;
      let updates = Promise.resolve();
      const result = await writeClip({
        sources: plan.sources,
        firstPts: plan.firstPts,
        lastPts: plan.lastPts,
        target: file,
        onProgress: (read) => {
          const pct = Math.min(99, Math.floor((read / Math.max(1, plan.totalFrames)) * 100));
          if (pct >= reported + 5) {
            reported = pct;
            updates = updates.then(() =>
              this.o.exports.progress(row.id, 'running', pct).catch(() => undefined),
            );
          }
        },
      });
      await updates;
      const key = `camera-exports/${row.cameraId}/${row.id}.mp4`;
      const size = (await stat(file)).size;
      await this.o.store.put(key, createReadStream(file), { contentType: 'video/mp4' });
      await this.o.exports.done(row.id, {
        objectKey: key,
        frames: result.frames,
        firstFrameMs: plan.firstFrameMs,
      });
      log.info('export done', { key, frames: result.frames, packets: result.packets, bytes: size });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.warn('export failed', { error: message });
      await this.o.exports.failed(row.id, message).catch(() => undefined);
    } finally {
      await rm(file, { force: true });
    }
  }
}

function notRecorded(error: unknown, name: string, ms: number): unknown {
  if (error instanceof KadrError && error.code === 'KADR_ERR_TIME_NOT_RECORDED') {
    return new KadrError('KADR_ERR_TIME_NOT_RECORDED', `${name}: nothing was recorded at ${iso(ms)}`, {
      hint: 'GET /api/cameras/:id/recordings lists the recorded segments and gaps',
    });
  }
  return error;
}

function dto(r: CameraExportRow): CameraExportDto {
  return {
    id: r.id,
    cameraId: r.cameraId,
    from: iso(r.fromMs),
    to: iso(r.toMs),
    status: r.status,
    progress: Math.round(r.progress),
    key: r.status === 'done' ? r.objectKey : null,
    frames: r.frames,
    firstFrameTime: r.firstFrameMs === null ? null : iso(r.firstFrameMs),
    error: r.error,
  };
}
