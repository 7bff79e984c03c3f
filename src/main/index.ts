export { startKadr } from './start-kadr.js';
export type { Kadr, KadrRoles } from './start-kadr.js';
export type { RecordingOptions, Recording } from './recording.js';
export type { RtspFilesOptions, RtspListening } from './rtsp-files.js';
