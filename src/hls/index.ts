export { HlsMuxers, defaultHlsOptions, type HlsMuxersOptions } from './hls-muxers.js';
export type { HlsMuxer } from './hls-muxer.js';
export { multivariantPlaylist, type HlsVariant } from './hls-playlist.js';
