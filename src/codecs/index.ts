export { parseH264Sps } from './h264-sps.js';
export type { VideoSpsInfo } from './h264-sps.js';
export { parseHevcSps } from './hevc-sps.js';
export { videoCodecString } from './codec-string.js';
