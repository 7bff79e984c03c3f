export { IngestService, INGEST_NAME, MAX_OPEN_SESSIONS } from './ingest.service.js';
export type { IngestServiceOptions, IngestLive } from './ingest.service.js';
export type { IngestRecording, IngestStatus, IngestState, IngestEndReason } from './ingest-session.js';
export { WhipService } from './whip.service.js';
export type { WhipServiceOptions } from './whip.service.js';
export type { WhipStatus, WhipState } from './whip-session.js';
export type { PushCameraPort, PushLink } from './push-camera-port.js';
