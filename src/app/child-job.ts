/**
 * The plumbing shared by the analysis child processes (face-analysis.child.ts,
 * profiles/people-analysis.child.ts): wait for the parent's `start`, run the job with an abort
 * signal, report `done` or one `error` line, and stop when the parent aborts or dies.
 *   parent → child: { type: 'start', ... } | { type: 'abort' }
 *   child → parent: whatever the job sends, then { type: 'done', ... } | { type: 'error', code, message }
 */
import { describeError, isKadrError } from '../core/errors.js';
import { configureFfmpegLog } from '../media/index.js';

export type ChildSend = (msg: object) => Promise<void>;

export const sendToParent: ChildSend = (msg) =>
  new Promise<void>((resolve) => {
    if (!process.connected) return resolve();
    process.send!(msg, undefined, {}, () => resolve());
  });

/**
 * Runs `job` once the parent sends `start`. `job` returns the `done` message's fields; `beforeReport`
 * runs before the final message either way (e.g. to flush buffered progress).
 */
export function serveChildJob<Start extends { type: 'start' }>(
  job: (start: Start, signal: AbortSignal) => Promise<object>,
  beforeReport: () => Promise<void> = async () => {},
): void {
  // A child's stderr is the server's (its JSON log): FFmpeg's own lines stay off here too, as bin.ts
  // sets them for the parent (KADR_FFMPEG_LOG, inherited, still turns them on).
  configureFfmpegLog();
  const controller = new AbortController();
  const run = async (start: Start) => {
    try {
      const done = await job(start, controller.signal);
      await beforeReport();
      await sendToParent({ type: 'done', ...done });
    } catch (error) {
      await beforeReport();
      await sendToParent({
        type: 'error',
        code: controller.signal.aborted ? 'ABORTED' : isKadrError(error) ? error.code : 'KADR_ERR_INTERNAL',
        message: describeError(error),
      });
    }
    process.disconnect?.();
  };
  process.on('message', (msg: Start | { type: 'abort' }) => {
    if (msg.type === 'start') void run(msg as Start);
    else if (msg.type === 'abort') controller.abort(new Error('aborted by the parent'));
  });
  // The parent died (kill -9 of a worker): nobody will read our results.
  process.on('disconnect', () => {
    controller.abort(new Error('parent gone'));
    setTimeout(() => process.exit(0), 1000).unref();
  });
}
