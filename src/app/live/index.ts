export { LiveViewsPort } from './live-views-port.js';
export { HlsMuxers, multivariantPlaylist, type HlsMuxer, type HlsVariant } from '../../hls/index.js';
