export * from './handler.js';
export * from './message.js';
export * from './request-parser.js';
export * from './transport.js';
export * from './range.js';
export * from './digest-auth.js';
export { RtspServer, type RtspServerOptions } from './rtsp-server.js';
export { RtspClient } from './rtsp-client.js';
export type { RtspTransport } from './rtsp-client.js';
