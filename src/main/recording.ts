/**
 * A recorder for one RTSP URL into a folder or S3 (`kadr record`): the destination's store from the
 * S3_* variables, its spool folder, and the recorder supervisor running until the stream ends or
 * `signal` fires.
 */
import path from 'node:path';
import type { FfmpegLogLevel, KadrConfig } from '../config/index.js';
import type { Logger } from '../core/logger.js';
import { configureFfmpegLog } from '../media/index.js';
import { defaultSpoolDir, Recorder, type RecordedSegment, type RecorderResult } from '../recorder/index.js';
import { locatePrefix, parseStorageUrl, sweepAbandonedWrites, type ObjectStore } from '../storage/index.js';

export interface RecordingOptions {
  url: string;
  transport: 'tcp' | 'udp';
  /** A folder, or s3://bucket/prefix. */
  to: string;
  /** Crash-safety journal; default: one folder per destination under config.paths.spoolRoot. */
  spoolDir: string | undefined;
  segmentDurationMs: number;
  signal: AbortSignal;
  logger: Logger;
  onSegment: (segment: RecordedSegment) => void;
  /** FFmpeg's own log level while recording (libavformat's RTSP input talks on every drop). */
  ffmpegLog: FfmpegLogLevel;
}

export interface Recording {
  readonly store: ObjectStore;
  readonly spoolDir: string;
  /** Settles when the recorder has stopped and stored (or spooled) its segments. */
  readonly result: Promise<RecorderResult>;
}

export function startRecording(config: Pick<KadrConfig, 's3' | 'paths'>, o: RecordingOptions): Recording {
  const { store, prefix } = locatePrefix(o.to, config.s3);
  const destination = parseStorageUrl(o.to) ? `${o.to.replace(/\/+$/, '')}/` : path.resolve(o.to);
  const spoolDir = o.spoolDir ?? defaultSpoolDir(destination, config.paths.spoolRoot);
  configureFfmpegLog(o.ffmpegLog);
  const recorder = new Recorder({
    url: o.url,
    transport: o.transport,
    store,
    prefix,
    spoolDir,
    segmentDurationMs: o.segmentDurationMs,
    logger: o.logger,
    failFirstConnect: true,
    onSegment: o.onSegment,
  });
  // A recorder killed with -9 leaves its half-written temp files in a folder destination; the next
  // run removes the stale ones (the same sweep `kadr serve` runs).
  const stopSweep = sweepAbandonedWrites(store, o.logger);
  return { store, spoolDir, result: recorder.run(o.signal).finally(stopSweep) };
}
