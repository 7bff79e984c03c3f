export {
  CameraFrameSessions,
  DEFAULT_FRAME_SESSION_CACHE_BYTES,
  DEFAULT_FRAME_SESSION_IDLE_MS,
  DEFAULT_MAX_FRAME_SESSIONS,
  MAX_FRAME_STEP,
} from './frame-sessions.js';
export type {
  CameraFrameSessionsOptions,
  FrameOrigin,
  FrameSessionDto,
  SessionFrameInfo,
} from './frame-sessions.js';
