export { WebRtcServer } from './webrtc-server.js';
export type { WebRtcServerOptions, WhepAnswer, WhepOffer } from './webrtc-server.js';
export { HttpStatusError } from './status-error.js';
