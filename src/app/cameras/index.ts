export { CamerasService } from './cameras.service.js';
export type { CameraInput, CameraUpdate, CamerasServiceOptions } from './cameras.service.js';
export type { CameraAnalyticsDto, CameraDto, CameraRetention } from './camera.dto.js';
export { CameraSecrets } from './camera-secrets.js';
export { CameraNodes } from './camera-nodes.js';
export { PushCameras, type PushCamerasOptions } from './push-cameras.js';
export type { CameraNodesOptions, CameraSnapshot, HandoverReason, OwnedCameras } from './camera-nodes.js';
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
export { CameraGroups, MAX_GROUP_CAMERAS } from './camera-groups.js';
export type { CameraGroupDto } from './camera-groups.js';
export {
  CameraTriggers,
  DEFAULT_TRIGGER_DURATION_S,
  MAX_PRE_ROLL_S,
  MAX_TRIGGER_DURATION_S,
} from './camera-triggers.js';
export type { CameraTriggerDto, TriggerCameraResult } from './camera-triggers.js';
