/**
 * The HTTP server's section of the configuration (`kadr serve`, `kadr worker`): defaults →
 * environment (`KADR_*`, `DATABASE_URL`) → CLI flags, validated once, then frozen. Every error names
 * the key, the value and the rule.
 */
import os from 'node:os';
import path from 'node:path';
import { KadrError } from '../core/errors.js';
import { readProfileDistance, readSecretKey, type Environment } from './sections.js';
import { byteSize, integer, invalid } from './values.js';

export interface ServerConfig {
  /** HTTP listen address; anything but loopback requires apiToken. */
  readonly host: string;
  /** HTTP port; 0 picks a free one (tests). */
  readonly port: number;
  /** Root of everything kadr keeps on disk: embedded PostgreSQL, objects. */
  readonly dataDir: string;
  /** Where the default (filesystem) object store keeps its objects. */
  readonly objectsDir: string;
  /** External PostgreSQL; undefined means kadr starts its own under <dataDir>/postgres. */
  readonly databaseUrl: string | undefined;
  /** Port of the embedded PostgreSQL; 0 picks a free one at each start. */
  readonly embeddedPgPort: number;
  /** Videos analysed at once by this process. */
  readonly concurrency: number;
  /** Inference threads per video, so that concurrency × threads does not oversubscribe the cores. */
  readonly analysisThreads: number;
  /** Bearer token required by the HTTP API when set (and always when host is not loopback). */
  readonly apiToken: string | undefined;
  /** Largest accepted upload file, in bytes. */
  readonly uploadMaxBytes: number;
  /** Most files accepted in one upload request. */
  readonly uploadMaxFiles: number;
  /** A worker whose heartbeat is older than this is considered dead and its video is re-queued. */
  readonly staleAfterMs: number;
  /** When the object store cannot be reached, a video waits this long before it is tried again. */
  readonly storageRetryMs: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Length of a camera recording's segments (KADR_CAMERA_SEGMENT_SECONDS, default 60). */
  readonly cameraSegmentMs: number;
  /** Embedding distance under which two faces are one person (KADR_PROFILE_DISTANCE). */
  readonly profileDistance: number;
  /**
   * KADR_SECRET_KEY: the 32-byte AES-256-GCM key camera credentials are encrypted with (docs/cameras.md);
   * undefined when unset (with the embedded database kadr then keeps a key file in dataDir).
   */
  readonly secretKey: Buffer | undefined;
  /** An ingest session with no frame for this long is finished (KADR_INGEST_IDLE_SECONDS, default 30). */
  readonly ingestIdleMs: number;
  /** Largest JPEG frame an ingest session takes (KADR_INGEST_FRAME_MAX_BYTES, default 16M). */
  readonly ingestFrameMaxBytes: number;
}

/** Server values given on the command line; undefined means "not given". */
export interface ServerFlags {
  host?: string | undefined;
  port?: string | undefined;
  data?: string | undefined;
  concurrency?: string | undefined;
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function readServerConfig(env: Environment, flags: ServerFlags): ServerConfig {
  // Each value: flag if given, else environment, else default. Empty strings count as unset.
  const pick = (flag: string | undefined, envKey: string): [string, string] | undefined => {
    if (flag !== undefined && flag !== '') return [`--${flagName(envKey)}`, flag];
    const v = env[envKey];
    return v !== undefined && v !== '' ? [envKey, v] : undefined;
  };

  const host = pick(flags.host, 'KADR_HOST')?.[1] ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host))
    throw invalid('KADR_HOST', host, 'must be a host name or IP address');

  const portSrc = pick(flags.port, 'KADR_PORT');
  const port = portSrc ? integer(portSrc[0], portSrc[1], 0, 65535) : 8080;

  const dataDir = path.resolve(pick(flags.data, 'KADR_DATA_DIR')?.[1] ?? './data');

  const cores = os.availableParallelism();
  const concSrc = pick(flags.concurrency, 'KADR_CONCURRENCY');
  const concurrency = concSrc ? integer(concSrc[0], concSrc[1], 0, 1024) : cores;
  const threadsRaw = env.KADR_ANALYSIS_THREADS;
  const analysisThreads = threadsRaw
    ? integer('KADR_ANALYSIS_THREADS', threadsRaw, 1, 256)
    : Math.max(1, Math.floor(cores / Math.max(1, concurrency)));

  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw invalid('DATABASE_URL', '<hidden>', 'must start with postgres:// or postgresql://');
  }
  const embeddedPgPort = env.KADR_PG_PORT ? integer('KADR_PG_PORT', env.KADR_PG_PORT, 0, 65535) : 0;

  const apiToken = env.KADR_API_TOKEN || undefined;
  if (apiToken !== undefined && apiToken.length < 16) {
    throw invalid('KADR_API_TOKEN', '<hidden>', 'must be at least 16 characters');
  }
  if (!isLoopback(host) && apiToken === undefined) {
    throw new KadrError('KADR_ERR_CONFIG', `refusing to listen on '${host}' without an API token`, {
      hint: 'set KADR_API_TOKEN to a secret of 16+ characters (clients send "Authorization: Bearer <token>"), or listen on 127.0.0.1',
    });
  }

  const uploadMaxBytes = env.KADR_UPLOAD_MAX_BYTES
    ? byteSize('KADR_UPLOAD_MAX_BYTES', env.KADR_UPLOAD_MAX_BYTES)
    : 20 * 1024 ** 3;
  const uploadMaxFiles = env.KADR_UPLOAD_MAX_FILES
    ? integer('KADR_UPLOAD_MAX_FILES', env.KADR_UPLOAD_MAX_FILES, 1, 10_000)
    : 100;
  const staleAfterMs = env.KADR_STALE_AFTER_MS
    ? integer('KADR_STALE_AFTER_MS', env.KADR_STALE_AFTER_MS, 2000, 86_400_000)
    : 15_000;

  const storageRetryMs = env.KADR_STORAGE_RETRY_MS
    ? integer('KADR_STORAGE_RETRY_MS', env.KADR_STORAGE_RETRY_MS, 1000, 3_600_000)
    : 30_000;

  const cameraSegmentMs =
    (env.KADR_CAMERA_SEGMENT_SECONDS
      ? integer('KADR_CAMERA_SEGMENT_SECONDS', env.KADR_CAMERA_SEGMENT_SECONDS, 1, 3600)
      : 60) * 1000;

  const ingestIdleMs =
    (env.KADR_INGEST_IDLE_SECONDS
      ? integer('KADR_INGEST_IDLE_SECONDS', env.KADR_INGEST_IDLE_SECONDS, 1, 86_400)
      : 30) * 1000;
  const ingestFrameMaxBytes = env.KADR_INGEST_FRAME_MAX_BYTES
    ? byteSize('KADR_INGEST_FRAME_MAX_BYTES', env.KADR_INGEST_FRAME_MAX_BYTES)
    : 16 * 1024 ** 2;

  const logLevelRaw = env.KADR_LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevelRaw)) {
    throw invalid('KADR_LOG_LEVEL', logLevelRaw, `must be one of ${LOG_LEVELS.join(', ')}`);
  }

  return Object.freeze({
    host,
    port,
    dataDir,
    objectsDir: path.join(dataDir, 'objects'),
    databaseUrl,
    embeddedPgPort,
    concurrency,
    analysisThreads,
    apiToken,
    uploadMaxBytes,
    uploadMaxFiles,
    staleAfterMs,
    storageRetryMs,
    logLevel: logLevelRaw as ServerConfig['logLevel'],
    cameraSegmentMs,
    profileDistance: readProfileDistance(env),
    secretKey: readSecretKey(env),
    ingestIdleMs,
    ingestFrameMaxBytes,
  });
}

function flagName(envKey: string): string {
  return { KADR_HOST: 'host', KADR_PORT: 'port', KADR_DATA_DIR: 'data', KADR_CONCURRENCY: 'concurrency' }[
    envKey
  ]!;
}
