/**
 * One place that opens onnxruntime sessions, so every model (face detector now; embedder and person
 * detector later) gets the same threading rules.
 *
 * Threads: the server runs one video per worker and as many workers as cores, so each session gets
 * `threads` intra-op threads (default 1) and no inter-op pool. With threads = 1 onnxruntime creates no
 * thread pool at all and N videos use N cores, not N × cores. Spinning is turned off when a pool exists:
 * idle pool threads otherwise busy-wait and steal the cores the other videos need.
 */
import ort from 'onnxruntime-node';
import { existsSync } from 'node:fs';
import { KadrError } from '../core/index.js';

export interface SessionOptions {
  threads?: number;
}

export async function openOnnxSession(
  path: string,
  options: SessionOptions = {},
): Promise<ort.InferenceSession> {
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) {
    throw new KadrError('KADR_ERR_CONFIG', `inference threads must be a whole number >= 1, got ${threads}`);
  }
  if (!existsSync(path)) {
    throw new KadrError('KADR_ERR_CONFIG', `model file ${path} is missing`, {
      hint: 'the models/ folder of the kadr package must ship with it',
    });
  }
  return ort.InferenceSession.create(path, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: threads > 1 ? '0' : '1' } } },
  });
}

export { ort };
