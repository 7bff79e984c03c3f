/**
 * Child process that analyses one video (spawned by face-analysis.runner.ts). A process, not a
 * worker thread: FFmpeg and onnxruntime are native code, and a crash on a corrupt file must end
 * this video's job, never the server. IPC messages:
 *   parent → child: { type: 'start', input, resumeFrom?, threads, analytics? } | { type: 'abort' }
 *   child → parent: { type: 'progress', state } | { type: 'done', state } | { type: 'error', code, message }
 */
import '../core/polyfill.js';
import { analyzeVideoFaces, type FaceAnalysisState, type VideoAnalytic } from '../analytics/index.js';
import { sendToParent, serveChildJob } from './child-job.js';

interface Start {
  type: 'start';
  input: string;
  resumeFrom?: FaceAnalysisState;
  threads: number;
  analytics?: VideoAnalytic[];
}

// Progress can arrive per frame; the parent needs at most a few updates a second.
let lastSent = 0;
let pending: FaceAnalysisState | undefined;
async function flush() {
  if (pending) {
    const state = pending;
    pending = undefined;
    lastSent = Date.now();
    await sendToParent({ type: 'progress', state });
  }
}

serveChildJob<Start>(async (msg, signal) => {
  const state = await analyzeVideoFaces(msg.input, {
    signal,
    threads: msg.threads,
    ...(msg.analytics ? { analytics: msg.analytics } : {}),
    ...(msg.resumeFrom ? { resumeFrom: msg.resumeFrom } : {}),
    onProgress: async (s) => {
      pending = structuredClone(s);
      if (Date.now() - lastSent >= 100) await flush();
    },
  });
  return { state };
}, flush);
