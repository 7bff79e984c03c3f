/**
 * The one place kadr reads its environment. `loadConfig()` takes the command-line flags and the
 * environment (process.env unless given) and returns the configuration in sections. A section is
 * read and validated when it is first used, then kept: a command that never uses a section is not
 * stopped by a mistake in it (`kadr frame` does not care about KADR_PORT), and one that does gets one
 * error that names the variable, the value and the rule (docs/errors.md, KADR_ERR_CONFIG).
 */
import {
  readClientConfig,
  readFfmpegLog,
  readPaths,
  readRtspConfig,
  readS3Environment,
  readWebRtcConfig,
  type ClientConfig,
  type Environment,
  type FfmpegLogLevel,
  type PathsConfig,
  type RtspConfig,
  type RtspFlags,
  type S3Environment,
  type WebRtcConfig,
} from './sections.js';
import { readLiveConfig, type LiveConfig } from './live-config.js';
import { readNodeConfig, type NodeConfig } from './node-config.js';
import { readServerConfig, type ServerConfig, type ServerFlags } from './server-config.js';

export interface KadrConfig {
  /** HTTP API, database, analysis workers. */
  readonly server: ServerConfig;
  /** RTSP serving: the media folder, credentials, packet cache. */
  readonly rtsp: RtspConfig;
  /** WebRTC live view: the UDP port and the addresses announced to viewers. */
  readonly webrtc: WebRtcConfig;
  /** The S3_* variables (checked by src/storage when an object store is made from them). */
  readonly s3: S3Environment;
  /** Folders kadr keeps state in. */
  readonly paths: PathsConfig;
  /** KADR_FFMPEG_LOG. */
  readonly ffmpegLog: FfmpegLogLevel;
  /** Live view: the renditions a viewer may choose. */
  readonly live: LiveConfig;
  /** What client commands (`kadr camera`) send to a server: KADR_TOKEN. */
  readonly client: ClientConfig;
  /** Sharing cameras with other nodes: KADR_NODE_*. */
  readonly node: NodeConfig;
  /** KADR_DEBUG=1: a failing command prints the stack trace too. */
  readonly debug: boolean;
}

/** Values given on the command line; undefined means "not given" (the environment then decides). */
export interface ConfigFlags extends ServerFlags, RtspFlags {}

export function loadConfig(flags: ConfigFlags = {}, env: Environment = process.env): KadrConfig {
  const config = {} as KadrConfig;
  const section = <K extends keyof KadrConfig>(key: K, read: () => KadrConfig[K]) => {
    let value: { v: KadrConfig[K] } | undefined;
    Object.defineProperty(config, key, {
      enumerable: true,
      get: () => (value ??= { v: read() }).v,
    });
  };
  section('server', () => readServerConfig(env, flags));
  section('rtsp', () => readRtspConfig(env, flags));
  section('webrtc', () => readWebRtcConfig(env));
  section('s3', () => readS3Environment(env));
  section('paths', () => readPaths(env));
  section('ffmpegLog', () => readFfmpegLog(env));
  section('live', () => readLiveConfig(env));
  section('client', () => readClientConfig(env));
  section('node', () => readNodeConfig(env));
  section('debug', () => env.KADR_DEBUG === '1');
  return Object.freeze(config);
}
