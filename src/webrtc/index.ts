export { WebRtcServer } from './webrtc-server.js';
export type { WebRtcServerOptions, WhepAnswer, WhepOffer, WhipAnswer } from './webrtc-server.js';
export type { WhipPublisher, WhipSink } from './whip-publisher.js';
export { HttpStatusError } from './status-error.js';
