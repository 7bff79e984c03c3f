/**
 * Runs analyzeVideoFaces for one video in its own child process (face-analysis.child.ts), so
 * that a slow or crashing video never blocks the API or the other videos.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FaceAnalysisState, VideoAnalytic } from '../analytics/index.js';
import { KadrError, type KadrErrorCode } from '../core/errors.js';

export interface FaceAnalysisRun {
  input: string;
  resumeFrom?: FaceAnalysisState | undefined;
  threads: number;
  /** What to detect (default faces). */
  analytics?: readonly VideoAnalytic[];
  signal: AbortSignal;
  onProgress(state: FaceAnalysisState): void;
}

/** The analysis stopped because `signal` fired; `state` is the last progress it reported. */
export class AnalysisAborted extends Error {
  constructor(readonly state: FaceAnalysisState | undefined) {
    super('analysis aborted');
  }
}

type ChildMessage =
  | { type: 'progress'; state: FaceAnalysisState }
  | { type: 'done'; state: FaceAnalysisState }
  | { type: 'error'; code: string; message: string };

/** Time a child gets to stop on its own after 'abort' before it is killed. */
const ABORT_GRACE_MS = 700;

function childEntry(): { path: string; execArgv: string[] } {
  // Under tsx (tests, `npm run dev`) this file is .ts and so is the child; in dist/ both are .js.
  const self = import.meta.url;
  const ext = self.endsWith('.ts') ? '.ts' : '.js';
  const path = fileURLToPath(new URL(`./face-analysis.child${ext}`, self));
  return { path, execArgv: ext === '.ts' ? ['--import', 'tsx'] : [] };
}

export function runFaceAnalysis(run: FaceAnalysisRun): Promise<FaceAnalysisState> {
  const { path, execArgv } = childEntry();
  const child = fork(path, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let last: FaceAnalysisState | undefined = run.resumeFrom;
  let result: ChildMessage | undefined;
  let killTimer: NodeJS.Timeout | undefined;

  const onAbort = () => {
    if (child.connected) child.send({ type: 'abort' });
    killTimer = setTimeout(() => child.kill('SIGKILL'), ABORT_GRACE_MS);
  };
  return new Promise<FaceAnalysisState>((resolve, reject) => {
    child.on('message', (msg: ChildMessage) => {
      if (msg.type === 'progress') {
        last = msg.state;
        run.onProgress(msg.state);
      } else result = msg;
    });
    child.once('spawn', () => {
      child.send({
        type: 'start',
        input: run.input,
        resumeFrom: run.resumeFrom,
        threads: run.threads,
        analytics: run.analytics,
      });
      if (run.signal.aborted) onAbort();
      else run.signal.addEventListener('abort', onAbort, { once: true });
    });
    child.once('error', (e) => reject(new KadrError('KADR_ERR_INTERNAL', `analysis process: ${e.message}`)));
    child.once('exit', (code, signal) => {
      clearTimeout(killTimer);
      run.signal.removeEventListener('abort', onAbort);
      if (run.signal.aborted) return reject(new AnalysisAborted(last));
      if (result?.type === 'done') return resolve(result.state);
      if (result?.type === 'error') {
        const code = result.code.startsWith('KADR_ERR_')
          ? (result.code as KadrErrorCode)
          : 'KADR_ERR_INTERNAL';
        return reject(new KadrError(code, result.message));
      }
      reject(
        new KadrError(
          'KADR_ERR_INTERNAL',
          `the analysis process ended without a result (${signal ? `signal ${signal}` : `exit code ${code}`})`,
        ),
      );
    });
  });
}
