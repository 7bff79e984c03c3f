/**
 * The `video-analyze` job: claim the video row, run the face analysis in a child process, keep
 * the row's progress and resume state current, and stop within a second when the row says
 * paused / cancelled (from whichever process) or when this process shuts down.
 */
import { randomUUID } from 'node:crypto';
import type { FaceAnalysisState } from '../analytics/index.js';
import { describeError, isKadrError, KadrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { VideoProgress, VideoStatus, VideosRepository } from '../db/index.js';
import { queues, type JobHandler, type JobQueue } from '../jobs/index.js';
import type { ObjectStore } from '../storage/index.js';
import { AnalysisAborted, runFaceAnalysis } from './face-analysis.runner.js';
import type { PeopleStep } from './profiles/index.js';

export interface VideoAnalysisDeps {
  repo: VideosRepository;
  store: ObjectStore;
  queue: JobQueue;
  log: Logger;
  /** Inference threads per video. */
  threads: number;
  /** Names this process in claimed_by (host:pid). */
  workerId: string;
  /** Fires when the process shuts down: running videos are saved and handed back to the queue. */
  shutdown: AbortSignal;
  /** When the object store cannot be reached, try the video again this much later. */
  storageRetryMs: number;
  /** How often the row is written and read back; bounds how fast pause / cancel take effect. */
  heartbeatMs?: number;
  /** Builds people profiles for videos uploaded with autoProfiles (docs/profiles.md), after the face counts. */
  people?: PeopleStep;
}

/**
 * The share of the whole analysis given to the faces pass when a people pass follows (on the
 * bench's 56 s video the people pass took 12 s of 28: about 40 %).
 */
export const FACES_SHARE_WITH_PEOPLE = 0.6;
/** Overall progress while processing stays below this: 100 means done. */
const MAX_UNTIL_DONE = 99.9;

/** Where a processing video stands: its faces pass, or its people pass (done of total frames). */
export type AnalysisStage =
  { stage: 'faces'; peopleFollow: boolean } | { stage: 'people'; done: number; total: number };

export function progressOf(
  state: FaceAnalysisState,
  at: AnalysisStage = { stage: 'faces', peopleFollow: false },
): VideoProgress {
  const total = state.totalFrames > 0 ? state.totalFrames : null;
  const facesPct = total ? Math.min(100, (state.framesProcessed / total) * 100) : 0;
  let stageProgress: number;
  let progress: number;
  if (at.stage === 'faces') {
    stageProgress = facesPct;
    progress = facesPct * (at.peopleFollow ? FACES_SHARE_WITH_PEOPLE : 1);
  } else {
    stageProgress = at.total > 0 ? Math.min(100, (at.done / at.total) * 100) : 0;
    progress = 100 * FACES_SHARE_WITH_PEOPLE + stageProgress * (1 - FACES_SHARE_WITH_PEOPLE);
  }
  return {
    progress: Math.min(MAX_UNTIL_DONE, progress),
    stage: at.stage,
    stageProgress,
    totalFrames: total,
    framesProcessed: state.framesProcessed,
    facesSoFar: state.facesSoFar,
    framesWithFaces: state.framesWithFaces,
    personsMax: state.personsMax ?? null,
    objectCounts: state.objects ?? null,
    resumeState: state,
  };
}

function isState(v: unknown): v is FaceAnalysisState {
  return typeof v === 'object' && v !== null && typeof (v as FaceAnalysisState).nextFrameIndex === 'number';
}

export function createVideoAnalysisHandler(deps: VideoAnalysisDeps): JobHandler<{ videoId: string }> {
  const heartbeatMs = deps.heartbeatMs ?? 250;
  return async ({ videoId }) => {
    const token = randomUUID();
    const row = await deps.repo.claim(videoId, token, deps.workerId);
    if (!row) return 'skipped'; // taken by another worker, paused, cancelled, deleted or done
    const log = deps.log.child({ video: videoId });
    log.info('analysis started', { attempt: row.attempts, resume: isState(row.resumeState) });

    const stop = new AbortController();
    let stopReason: VideoStatus | 'lost' | 'shutdown' | undefined;
    const onShutdown = () => {
      stopReason ??= 'shutdown';
      stop.abort();
    };
    deps.shutdown.addEventListener('abort', onShutdown, { once: true });
    if (deps.shutdown.aborted) onShutdown();

    let latest: FaceAnalysisState | undefined = isState(row.resumeState) ? row.resumeState : undefined;
    let stage: AnalysisStage = { stage: 'faces', peopleFollow: false };
    let dirty = false;
    let beating: Promise<void> = Promise.resolve();
    let busy = false;
    const beat = async () => {
      const progress = dirty && latest ? progressOf(latest, stage) : null;
      dirty = false;
      try {
        const status = await deps.repo.heartbeat(videoId, token, progress);
        if (status === 'processing') return;
        stopReason ??= status ?? 'lost';
        stop.abort();
      } catch (e) {
        log.warn('heartbeat failed', { error: describeError(e) });
      }
    };
    // One heartbeat at a time: a slow database must not pile them up.
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      beating = beat().finally(() => (busy = false));
    }, heartbeatMs);

    let input: string | undefined;
    try {
      // A store that is down now (S3 restarting) is no reason to fail the video for good: hand it
      // back and try again in a while. A file that is gone is.
      const head = await deps.store.head(row.objectKey).catch((e: unknown) => {
        if (isKadrError(e, 'KADR_ERR_STORAGE_UNAVAILABLE')) return 'unavailable' as const;
        throw e;
      });
      if (head === 'unavailable') {
        clearInterval(timer);
        await beating;
        await deps.repo.release(videoId, token);
        const retryInS = Math.ceil(deps.storageRetryMs / 1000);
        await deps.queue.send(queues.videoAnalyze, { videoId }, { startAfterSeconds: retryInS });
        log.warn('object store unavailable; video re-queued', { retryInS });
        return 'skipped';
      }
      if (!head) {
        throw new KadrError('KADR_ERR_STORAGE_NOT_FOUND', 'the uploaded file is missing from storage', {
          hint: 'upload it again',
        });
      }
      input = await deps.store.readLocation(row.objectKey, 24 * 3600);
      stage = { stage: 'faces', peopleFollow: (await deps.people?.wanted(videoId)) ?? false };
      const final = await runFaceAnalysis({
        input,
        resumeFrom: latest,
        threads: deps.threads,
        analytics: row.analytics,
        signal: stop.signal,
        onProgress: (s) => {
          latest = s;
          dirty = true;
        },
      });
      // Heartbeats go on during the people pass: it proves the worker alive and carries pause / cancel.
      latest = final;
      dirty = true;
      // Asked again: the upload may have set autoProfiles after this job started.
      if (await deps.people?.wanted(videoId)) {
        stage = { stage: 'people', done: 0, total: final.totalFrames };
        await deps.people!.run(videoId, input, stop.signal, (done, total) => {
          stage = { stage: 'people', done, total };
          dirty = true;
        });
      }
      clearInterval(timer);
      await beating;
      if (await deps.repo.finishDone(videoId, token, progressOf(final), final.facesPerSecond)) {
        log.info('analysis done', { faces: final.facesSoFar, frames: final.framesProcessed });
        return 'done';
      }
      // Paused or cancelled in the last instant: keep the final state, so resume ends at once.
      latest = final;
      stopReason ??= 'paused';
      throw new AnalysisAborted(final);
    } catch (error) {
      clearInterval(timer);
      await beating;
      if (error instanceof AnalysisAborted || stop.signal.aborted) {
        const state = error instanceof AnalysisAborted ? (error.state ?? latest) : latest;
        if (state) await deps.repo.heartbeat(videoId, token, progressOf(state, stage));
        const status = await deps.repo.release(videoId, token);
        log.info('analysis stopped', { reason: stopReason, status, framesProcessed: state?.framesProcessed });
        // Shutting down: the row is queued again; announce it so that any worker resumes it.
        if (status === 'queued') await deps.queue.send(queues.videoAnalyze, { videoId });
        return 'skipped';
      }
      const code = isKadrError(error) ? error.code : 'KADR_ERR_INTERNAL';
      // The location is a server path or a presigned URL (a credential): users see their file name.
      const message = input
        ? describeError(error).split(input).join(`'${row.filename}'`)
        : describeError(error);
      log.warn('analysis failed', { code, error: message });
      await deps.repo.finishFailed(videoId, token, message, code);
      return 'failed';
    } finally {
      deps.shutdown.removeEventListener('abort', onShutdown);
    }
  };
}
