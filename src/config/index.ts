export { loadConfig } from './config.js';
export type { KadrConfig, ConfigFlags } from './config.js';
export { isLoopback } from './server-config.js';
export type { ServerConfig, ServerFlags } from './server-config.js';
export type { NodeConfig } from './node-config.js';
export {
  DEFAULT_RTSP_CACHE_BYTES,
  DEFAULT_PROFILE_DISTANCE,
  DEFAULT_RTSP_PORT,
  DEFAULT_WEBRTC_PORT,
  FFMPEG_LOG_LEVELS,
  rtspCacheBytes,
} from './sections.js';
export type {
  ClientConfig,
  Environment,
  FfmpegLogLevel,
  PathsConfig,
  RtspConfig,
  S3Environment,
  WebRtcConfig,
} from './sections.js';
export { DEFAULT_LIVE_LADDER } from './live-config.js';
export type { LiveConfig } from './live-config.js';
