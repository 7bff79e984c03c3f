/**
 * The sections of the configuration besides the server's: RTSP serving, S3, the folders kadr keeps
 * state in, FFmpeg's log. Each reads only its own variables, so that a command that never uses a
 * section is not stopped by a mistake in it (`kadr frame` does not care about KADR_RTSP_CACHE).
 */
import os from 'node:os';
import path from 'node:path';
import { KadrError } from '../core/errors.js';
import { byteSize, integer, invalid, nonEmpty } from './values.js';

export type Environment = Readonly<Record<string, string | undefined>>;

/** Default memory for the RTSP server's shared packet caches (all mounts together). */
export const DEFAULT_RTSP_CACHE_BYTES = 256 * 2 ** 20;

/**
 * Memory the RTSP server may use to keep files packetized for all their clients (`--cache` /
 * KADR_RTSP_CACHE, e.g. 512M); 0 turns the cache off (every client reads the file itself).
 */
export function rtspCacheBytes(flag: string | undefined, env: Environment): number {
  const [key, raw] = flag !== undefined ? ['--cache', flag] : ['KADR_RTSP_CACHE', env.KADR_RTSP_CACHE];
  if (raw === undefined || raw.trim() === '') return DEFAULT_RTSP_CACHE_BYTES;
  return raw.trim() === '0' ? 0 : byteSize(key, raw);
}

/** The RTSP port of `kadr serve` when neither --rtsp-port nor KADR_RTSP_PORT says otherwise. */
export const DEFAULT_RTSP_PORT = 8554;

export interface RtspConfig {
  /** `kadr serve --media` / KADR_MEDIA_DIR: a folder whose videos are served over RTSP. */
  readonly mediaDir: string | undefined;
  /** Digest credentials (flags, else KADR_RTSP_USER / KADR_RTSP_PASSWORD); both or neither are used. */
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** Memory for packetized files shared by their clients, in bytes; 0: off. */
  readonly cacheBytes: number;
  /** `kadr serve`'s RTSP port (--rtsp-port, else KADR_RTSP_PORT, else 8554): media and cameras. */
  readonly port: number;
}

export interface RtspFlags {
  media?: string | undefined;
  rtspPort?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  cache?: string | undefined;
}

export function readRtspConfig(env: Environment, flags: RtspFlags): RtspConfig {
  let cacheBytes: number | undefined;
  let port: number | undefined;
  return Object.freeze({
    mediaDir: flags.media ?? env.KADR_MEDIA_DIR,
    user: flags.user ?? env.KADR_RTSP_USER,
    password: flags.password ?? env.KADR_RTSP_PASSWORD,
    // Checked when a server is started, not when the other RTSP settings are read (`kadr serve`
    // without --media is not stopped by a bad KADR_RTSP_CACHE).
    get cacheBytes() {
      return (cacheBytes ??= rtspCacheBytes(flags.cache, env));
    },
    get port() {
      return (port ??= rtspPort(flags.rtspPort, env));
    },
  });
}

function rtspPort(flag: string | undefined, env: Environment): number {
  if (flag !== undefined) return integer('--rtsp-port', flag, 0, 65535);
  const raw = nonEmpty(env.KADR_RTSP_PORT);
  return raw !== undefined ? integer('KADR_RTSP_PORT', raw, 0, 65535) : DEFAULT_RTSP_PORT;
}

export const S3_VARIABLES = [
  'S3_ENDPOINT',
  'S3_ACCESS_KEY',
  'S3_SECRET_KEY',
  'S3_BUCKET',
  'S3_REGION',
  'S3_FORCE_PATH_STYLE',
] as const;

/**
 * The S3_* variables as set. They are checked by src/storage (storage/config.ts), where the rules
 * they are checked against live (bucket names, an s3:// URL naming its own bucket); its errors name
 * the variable.
 */
export type S3Environment = { readonly [K in (typeof S3_VARIABLES)[number]]?: string | undefined };

export function readS3Environment(env: Environment): S3Environment {
  return Object.freeze(Object.fromEntries(S3_VARIABLES.map((k) => [k, env[k]])));
}

export interface PathsConfig {
  /** Disk cache of frame indexes: KADR_CACHE_DIR, else $XDG_CACHE_HOME/kadr, else ~/.cache/kadr. */
  readonly indexCacheDir: string;
  /** Where `kadr record` keeps one spool per destination: KADR_SPOOL_DIR, else $XDG_STATE_HOME/kadr/spool. */
  readonly spoolRoot: string;
}

export function readPaths(env: Environment): PathsConfig {
  // These two read "empty means unset" differently, as they always have: an empty KADR_CACHE_DIR is
  // the current folder, an empty KADR_SPOOL_DIR is unset.
  const cacheBase =
    env.KADR_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'kadr');
  const spoolRoot =
    nonEmpty(env.KADR_SPOOL_DIR) ??
    path.join(nonEmpty(env.XDG_STATE_HOME) ?? path.join(os.homedir(), '.local', 'state'), 'kadr', 'spool');
  return Object.freeze({ indexCacheDir: path.join(cacheBase, 'frame-index'), spoolRoot });
}

export const FFMPEG_LOG_LEVELS = ['quiet', 'fatal', 'error', 'warning', 'info', 'debug'] as const;
export type FfmpegLogLevel = (typeof FFMPEG_LOG_LEVELS)[number];

/** KADR_FFMPEG_LOG: FFmpeg's own log is off unless asked for. */
export function readFfmpegLog(env: Environment): FfmpegLogLevel {
  const raw = nonEmpty(env.KADR_FFMPEG_LOG) ?? 'quiet';
  if (!(FFMPEG_LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new KadrError(
      'KADR_ERR_CONFIG',
      `'KADR_FFMPEG_LOG' must be one of ${FFMPEG_LOG_LEVELS.join(', ')}, got '${raw}'`,
      { hint: 'fix KADR_FFMPEG_LOG in the environment' },
    );
  }
  return raw as FfmpegLogLevel;
}

/** Chosen on the evaluation set (docs/analytics-evaluation.md); the same as SAME_PERSON_DISTANCE in src/analytics. */
export const DEFAULT_PROFILE_DISTANCE = 0.55;

/**
 * KADR_PROFILE_DISTANCE, the Euclidean embedding distance under which two faces are the same person
 * (default 0.6, dlib's bound for this model; 0.5 is stricter and splits more, above 0.6 different
 * people start to merge: test/fixtures/faces/SOURCES.md).
 */
export function readProfileDistance(env: Environment): number {
  const raw = env.KADR_PROFILE_DISTANCE;
  if (raw === undefined || raw === '') return DEFAULT_PROFILE_DISTANCE;
  const v = Number(raw);
  if (!(v > 0 && v < 2)) {
    throw new KadrError(
      'KADR_ERR_CONFIG',
      `'KADR_PROFILE_DISTANCE' must be a number in (0, 2), got '${raw}'`,
      { hint: 'use about 0.5–0.6' },
    );
  }
  return v;
}

/**
 * KADR_SECRET_KEY: 32 bytes as 64 hex digits or as base64 (44 characters), the AES-256-GCM key of
 * camera credentials. `openssl rand -base64 32` makes one.
 */
export function readSecretKey(env: Environment): Buffer | undefined {
  const raw = nonEmpty(env.KADR_SECRET_KEY)?.trim();
  if (raw === undefined) return undefined;
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(raw)) key = Buffer.from(raw, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=?$/.test(raw) || /^[A-Za-z0-9_-]{43}=?$/.test(raw)) {
    key = Buffer.from(raw, raw.includes('-') || raw.includes('_') ? 'base64url' : 'base64');
  }
  if (key?.length !== 32) {
    // The value is a secret: the message names the variable and the rule, never the value.
    throw invalid(
      'KADR_SECRET_KEY',
      '<hidden>',
      'must be 32 bytes as 64 hex digits or base64 (openssl rand -base64 32)',
    );
  }
  return key;
}

/** What the CLI's client commands (`kadr camera`) read: KADR_TOKEN, the bearer token they send. */
export interface ClientConfig {
  readonly token: string | undefined;
}

export function readClientConfig(env: Environment): ClientConfig {
  return Object.freeze({ token: nonEmpty(env.KADR_TOKEN) });
}
