/**
 * Child process that analyses one video (spawned by face-analysis.runner.ts). A process, not a
 * worker thread: FFmpeg and onnxruntime are native code, and a crash on a corrupt file must end
 * this video's job, never the server. IPC messages:
 *   parent → child: { type: 'start', input, resumeFrom?, threads } | { type: 'abort' }
 *   child → parent: { type: 'progress', state } | { type: 'done', state } | { type: 'error', code, message }
 */
import '../core/polyfill.js';
import { analyzeVideoFaces, type FaceAnalysisState } from '../analytics/index.js';
import { describeError, isKadrError } from '../core/errors.js';

type ParentMessage =
  { type: 'start'; input: string; resumeFrom?: FaceAnalysisState; threads: number } | { type: 'abort' };

const controller = new AbortController();
const send = (msg: object) =>
  new Promise<void>((resolve) => {
    if (!process.connected) return resolve();
    process.send!(msg, undefined, {}, () => resolve());
  });

// Progress can arrive per frame; the parent needs at most a few updates a second.
let lastSent = 0;
let pending: FaceAnalysisState | undefined;
async function flush() {
  if (pending) {
    const state = pending;
    pending = undefined;
    lastSent = Date.now();
    await send({ type: 'progress', state });
  }
}

async function run(msg: Extract<ParentMessage, { type: 'start' }>) {
  try {
    const state = await analyzeVideoFaces(msg.input, {
      signal: controller.signal,
      threads: msg.threads,
      ...(msg.resumeFrom ? { resumeFrom: msg.resumeFrom } : {}),
      onProgress: async (s) => {
        pending = structuredClone(s);
        if (Date.now() - lastSent >= 100) await flush();
      },
    });
    await flush();
    await send({ type: 'done', state });
  } catch (error) {
    await flush();
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
// The parent died (kill -9 of a worker): nobody will read our results.
process.on('disconnect', () => {
  controller.abort(new Error('parent gone'));
  setTimeout(() => process.exit(0), 1000).unref();
});
