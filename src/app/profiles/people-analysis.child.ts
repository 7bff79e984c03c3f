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
import { sendToParent, serveChildJob } from '../child-job.js';

interface Start {
  type: 'start';
  input: string;
  threads: number;
  sameDistance: number;
}

serveChildJob<Start>(async (msg, signal) => {
  const result = await analyzeVideoPeople(msg.input, {
    signal,
    threads: msg.threads,
    sameDistance: msg.sameDistance,
    onProgress: (done, total) => void sendToParent({ type: 'progress', done, total }),
  });
  return { result };
});
