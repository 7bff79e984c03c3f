/**
 * bench/record.ts's kadr side: M recordings of the same RTSP URL in this one process (as the kadr
 * server runs them), into the store from the environment, until SIGTERM. Prints one JSON line at the end.
 */
import '../src/core/polyfill.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Log } from 'node-av/lib';
import { AV_LOG_FATAL } from 'node-av/constants';
import { Recorder } from '../src/recorder/index.js';
import { locatePrefix } from '../src/storage/index.js';

Log.setLevel(AV_LOG_FATAL);
const [url, count, to, segmentS] = process.argv.slice(2);
const stop = new AbortController();
process.on('SIGTERM', () => stop.abort());
const spoolBase = mkdtempSync(path.join(os.tmpdir(), 'kadr-bench-spool-'));
const runs = Array.from({ length: Number(count) }, (_, i) => {
  const { store, prefix } = locatePrefix(`${to}/stream${i}`);
  return new Recorder({
    url: url!,
    store,
    prefix,
    spoolDir: path.join(spoolBase, String(i)),
    segmentDurationMs: Number(segmentS) * 1000,
    // KADR_BENCH_FSYNC=0 measures what the spool's fdatasync per fragment costs.
    fsync: process.env.KADR_BENCH_FSYNC !== '0',
    stopOnEnd: false,
  }).run(stop.signal);
});
// KADR_BENCH_MEM=1: process.memoryUsage() every 250 ms on stderr (what drives V8's GC: heap or external).
if (process.env.KADR_BENCH_MEM === '1') {
  const t0 = Date.now();
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    const mb = (n: number) => (n / 2 ** 20).toFixed(1);
    process.stderr.write(
      `mem t=${Date.now() - t0} heap ${mb(m.heapUsed)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)} rss ${mb(m.rss)}\n`,
    );
  }, 250);
  timer.unref();
}
const results = await Promise.all(runs);
if (results.every((r) => r.pending.length === 0)) rmSync(spoolBase, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({
    segments: results.reduce((n, r) => n + r.segments.length, 0),
    frames: results.reduce((n, r) => n + r.segments.reduce((m, s) => m + s.frames, 0), 0),
    pending: results.reduce((n, r) => n + r.pending.length, 0),
  })}\n`,
);
