export * from './sdp.js';
export * from './rtcp-sender-report.js';
export * from './rtcp-packets.js';
