/**
 * node-av 6.1.1's async Demuxer.packets() calls Promise.withResolvers, which exists from Node 22 only;
 * on Node 20 the TypeError is swallowed and the stream looks empty (docs/media-pitfalls.md, "Async
 * packet reading is empty on Node 20").
 * Imported for its side effect by src/media before any node-av use. Remove once Node 22 is required.
 */
interface WithResolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const P = Promise as unknown as { withResolvers?: <T>() => WithResolvers<T> };
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = <T>(): WithResolvers<T> => {
    let resolve!: WithResolvers<T>['resolve'];
    let reject!: WithResolvers<T>['reject'];
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export {};
