export { createApp } from './create-app.js';
export type { KadrApp, AppRoles } from './create-app.js';
export { VideosService } from './videos.service.js';
export type { UploadFile, VideoPage } from './videos.service.js';
export type { VideoDto } from './video.dto.js';
export type { VideoEvent, VideoEventListener } from './video-events.js';
export {
  ProfilesService,
  PROFILES_MAX_PAGE,
  GENDERS,
  NAME_MAX_LENGTH,
  MIN_BIRTH_DATE,
  PROFILE_FIELDS,
  ProfilePhotosService,
  ProfileCorrectionsService,
} from './profiles/index.js';
export type {
  CorrectionResult,
  ProfileDto,
  ProfilePage,
  ProfileUpdate,
  VideoPeople,
} from './profiles/index.js';
export {
  CamerasService,
  CameraSecrets,
  CameraNodes,
  IDLE_HEALTH,
  CAMERA_STATES,
  CAMERA_NAME,
  CAMERA_NAME_RULE,
  CREDENTIAL_MAX_LENGTH,
  RETENTION_MAX_HOURS,
  URL_MAX_LENGTH,
  CameraGroups,
  CameraTriggers,
  MAX_GROUP_CAMERAS,
  MAX_PRE_ROLL_S,
  MAX_TRIGGER_DURATION_S,
} from './cameras/index.js';
export type {
  CameraDto,
  CameraInput,
  CameraUpdate,
  CameraRetention,
  CameraState,
  CameraSpec,
  CameraHealthLike,
  CameraRuntime,
  CameraRecordingControl,
  CameraNodesOptions,
  CameraSnapshot,
  OwnedCameras,
  CameraGroupDto,
  CameraTriggerDto,
} from './cameras/index.js';
export { nodeCameraSpool } from './cameras/camera-spool.js';
export {
  RecordingManager,
  type RecordingManagerOptions,
  type CameraFeeds,
  type CameraRecordingStore,
} from './cameras/recording-manager.js';
export {
  CameraPlayback,
  MAX_LIST_SPAN_MS,
  type CameraRecordingsList,
  type CameraFrameInfo,
} from './cameras/camera-playback.js';
export { CameraFrameSessions, MAX_FRAME_STEP } from './scrub/index.js';
export type { FrameOrigin, FrameSessionDto, SessionFrameInfo } from './scrub/index.js';
export { CameraExports, MAX_EXPORT_SPAN_MS, type CameraExportDto } from './cameras/camera-exports.js';
export { LiveViewsPort } from './live/index.js';
export {
  VideoFrames,
  type VideoFrameInfo,
  type VideoComparison,
  type SameMomentAnswer,
} from './video-frames.js';
export { IngestService, INGEST_NAME, MAX_OPEN_SESSIONS, WhipService } from './ingest/index.js';
export type { IngestLive, IngestRecording, IngestStatus, WhipStatus } from './ingest/index.js';
export { HlsMuxers, multivariantPlaylist, type HlsMuxer, type HlsVariant } from './live/index.js';
export { OnvifService, DISCOVERY_TIMEOUT_MS, ONVIF_TIMEOUT_MS } from './onvif/index.js';
export type {
  OnvifDiscoverInput,
  OnvifDeviceInput,
  OnvifDeviceDto,
  OnvifProfileDto,
  OnvifCameraInput,
  OnvifCameraDto,
} from './onvif/index.js';
export {
  LiveAnalyticsService,
  ANALYTICS_MAX_FPS,
  EVENTS_MAX_PAGE,
  EVENT_TYPES,
  type AnalyticsEventDto,
  type AnalyticsInput,
  type AnalyticsFeeds,
  type EventQuery,
  type LiveAnalyticsEvent,
  EventCorrectionsService,
  type EventCorrectionResult,
} from './analytics/index.js';
export type { CameraAnalyticsDto } from './cameras/index.js';
