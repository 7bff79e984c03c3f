/**
 * Child process that finds the people of one video (spawned by people-analysis.runner.ts), for the
 * same reason as face-analysis.child.ts: native code that crashes on a bad file must end this job,
 * never the worker. IPC uses the 'advanced' serialisation, so embeddings (Float32Array) and crops
 * (Buffer) cross as binary.
 *   parent → child: { type: 'start', input, threads, sameDistance } | { type: 'abort' }
 *   child → parent: { type: 'progress', done, total } | { type: 'done', result } | { type: 'error', code, message }
 */
import '../../core/polyfill.js';
import { analyzeVideoPeople } from '../../analytics/index.js';
import { describeError, isKadrError } from '../../core/errors.js';

type ParentMessage =
  { type: 'start'; input: string; threads: number; sameDistance: number } | { type: 'abort' };

const controller = new AbortController();
const send = (msg: object) =>
  new Promise<void>((resolve) => {
    if (!process.connected) return resolve();
    process.send!(msg, undefined, {}, () => resolve());
  });

async function run(msg: Extract<ParentMessage, { type: 'start' }>) {
  try {
    const result = await analyzeVideoPeople(msg.input, {
      signal: controller.signal,
      threads: msg.threads,
      sameDistance: msg.sameDistance,
      onProgress: (done, total) => void send({ type: 'progress', done, total }),
    });
    await send({ type: 'done', result });
  } catch (error) {
    await send({
      type: 'error',
      code: controller.signal.aborted ? 'ABORTED' : isKadrError(error) ? error.code : 'KADR_ERR_INTERNAL',
      message: describeError(error),
    });
  }
  process.disconnect?.();
}

process.on('message', (msg: ParentMessage) => {
  if (msg.type === 'start') void run(msg);
  else if (msg.type === 'abort') controller.abort(new Error('aborted by the parent'));
});
process.on('disconnect', () => {
  controller.abort(new Error('parent gone'));
  setTimeout(() => process.exit(0), 1000).unref();
});
