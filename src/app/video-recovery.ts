/**
 * Nothing is lost when a process dies. The video row is the truth: a video whose worker stopped
 * sending heartbeats (kill -9, machine gone) goes back to `queued` with its saved resume state,
 * and every queued video is announced to the queue again at start (the announcement may have
 * been lost with the process that made it). Duplicate announcements are harmless: the claim is
 * a conditional UPDATE, so exactly one worker gets the video.
 */
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { VideosRepository } from '../db/index.js';
import { queues, type JobQueue } from '../jobs/index.js';

export interface VideoRecovery {
  stop(): void;
}

export async function startVideoRecovery(deps: {
  repo: VideosRepository;
  queue: JobQueue;
  log: Logger;
  staleAfterMs: number;
}): Promise<VideoRecovery> {
  const log = deps.log.child({ module: 'video-recovery' });
  const announce = async (ids: string[]) => {
    for (const videoId of ids) await deps.queue.send(queues.videoAnalyze, { videoId });
  };
  const sweep = async () => {
    const stale = await deps.repo.requeueStale(deps.staleAfterMs);
    if (stale.length) log.warn('re-queued videos of a worker that stopped', { videos: stale });
    await announce(stale);
  };
  await sweep();
  await announce(await deps.repo.listQueuedIds());
  let running = false;
  const timer = setInterval(
    () => {
      if (running) return;
      running = true;
      sweep()
        .catch((e: unknown) => log.warn('recovery sweep failed', { error: describeError(e) }))
        .finally(() => (running = false));
    },
    Math.max(500, Math.floor(deps.staleAfterMs / 3)),
  );
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
