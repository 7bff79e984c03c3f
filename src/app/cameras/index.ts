export { CamerasService } from './cameras.service.js';
export type { CameraInput, CameraUpdate, CamerasServiceOptions } from './cameras.service.js';
export type { CameraAnalyticsDto, CameraDto, CameraRetention } from './camera.dto.js';
export { CameraSecrets } from './camera-secrets.js';
export type { CameraSecretsOptions, Credentials } from './camera-secrets.js';
export { CAMERA_STATES, IDLE_HEALTH } from './camera-runtime.js';
export type {
  CameraState,
  CameraSpec,
  CameraHealthLike,
  CameraRuntime,
  CameraRecordingControl,
} from './camera-runtime.js';
export {
  CAMERA_NAME,
  CAMERA_NAME_RULE,
  CREDENTIAL_MAX_LENGTH,
  RETENTION_MAX_HOURS,
} from './camera-fields.js';
export { URL_MAX_LENGTH } from './camera-url.js';
