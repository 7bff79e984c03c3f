import type { Readable } from 'node:stream';

/**
 * Destroys `source` when `signal` fires, until the returned function is called. Unlike
 * stream.addAbortSignal the link ends with the put: a signal shared by a whole recording session
 * that fires later must not destroy (and emit an unhandled 'error' on) a stream we are done with.
 */
export function abortSourceOn(signal: AbortSignal | undefined, source: Readable): () => void {
  if (!signal) return () => {};
  const onAbort = () =>
    source.destroy(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
