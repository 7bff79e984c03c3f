export { loadConfig, isLoopback, rtspCacheBytes, DEFAULT_RTSP_CACHE_BYTES } from './config.js';
export type { KadrConfig, ConfigFlags } from './config.js';
