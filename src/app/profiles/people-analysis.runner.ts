/** Runs analyzeVideoPeople for one video in its own child process (people-analysis.child.ts). */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PeopleResult } from '../../analytics/index.js';
import { KadrError, type KadrErrorCode } from '../../core/errors.js';

export interface PeopleAnalysisRun {
  input: string;
  threads: number;
  sameDistance: number;
  signal: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** The people analysis stopped because `signal` fired. */
export class PeopleAnalysisAborted extends Error {
  constructor() {
    super('people analysis aborted');
  }
}

type ChildMessage =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; result: PeopleResult }
  | { type: 'error'; code: string; message: string };

const ABORT_GRACE_MS = 700;

function childEntry(): { path: string; execArgv: string[] } {
  const self = import.meta.url;
  const ext = self.endsWith('.ts') ? '.ts' : '.js';
  const path = fileURLToPath(new URL(`./people-analysis.child${ext}`, self));
  return { path, execArgv: ext === '.ts' ? ['--import', 'tsx'] : [] };
}

export function runPeopleAnalysis(run: PeopleAnalysisRun): Promise<PeopleResult> {
  const { path, execArgv } = childEntry();
  const child = fork(path, [], {
    execArgv,
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let result: ChildMessage | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    if (child.connected) child.send({ type: 'abort' });
    killTimer = setTimeout(() => child.kill('SIGKILL'), ABORT_GRACE_MS);
  };
  return new Promise<PeopleResult>((resolve, reject) => {
    child.on('message', (msg: ChildMessage) => {
      if (msg.type === 'progress') run.onProgress?.(msg.done, msg.total);
      else result = msg;
    });
    child.once('spawn', () => {
      child.send({ type: 'start', input: run.input, threads: run.threads, sameDistance: run.sameDistance });
      if (run.signal.aborted) onAbort();
      else run.signal.addEventListener('abort', onAbort, { once: true });
    });
    child.once('error', (e) =>
      reject(new KadrError('KADR_ERR_INTERNAL', `people analysis process: ${e.message}`)),
    );
    child.once('exit', (code, signal) => {
      clearTimeout(killTimer);
      run.signal.removeEventListener('abort', onAbort);
      if (run.signal.aborted) return reject(new PeopleAnalysisAborted());
      if (result?.type === 'done') return resolve(result.result);
      if (result?.type === 'error') {
        const c = result.code.startsWith('KADR_ERR_') ? (result.code as KadrErrorCode) : 'KADR_ERR_INTERNAL';
        return reject(new KadrError(c, result.message));
      }
      reject(
        new KadrError(
          'KADR_ERR_INTERNAL',
          `the people analysis process ended without a result (${signal ? `signal ${signal}` : `exit code ${code}`})`,
        ),
      );
    });
  });
}
