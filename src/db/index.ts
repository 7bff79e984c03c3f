export { openDatabase } from './database.js';
export type { Database, DatabaseOptions } from './database.js';
export { migrate } from './migrate.js';
export { migrations } from './migrations/index.js';
export type { Migration } from './migrations/index.js';
export { freePort, startEmbeddedPostgres } from './embedded-postgres.js';
export { VideosRepository } from './videos.repository.js';
export type {
  VideoRow,
  VideoStatus,
  VideoStage,
  VideoProgress,
  NewVideo,
  VideoAnalyticKind,
  ObjectCounts,
} from './videos.repository.js';
export { ProfilesRepository } from './profiles.repository.js';
export type { ProfileCorrectionsRepository } from './profile-corrections.repository.js';
export type { EventCorrectionsRepository, EventFaces } from './event-corrections.repository.js';
export type {
  CropSource,
  ProfileRow,
  AppearanceRow,
  ProfileFields,
  NewAppearance,
  Gender as ProfileGender,
} from './profiles.repository.js';
export { CamerasRepository } from './cameras.repository.js';
export type { CameraRow, NewCamera, CameraChanges } from './cameras.repository.js';
export { CameraRecordingsRepository } from './camera-recordings.repository.js';
export type {
  NewCameraSegment,
  CameraSegmentRow,
  CameraGapRow,
  CameraRecordingSettings,
} from './camera-recordings.repository.js';
export { CameraExportsRepository } from './camera-exports.repository.js';
export type { CameraExportRow, CameraExportStatus } from './camera-exports.repository.js';
export { CameraLeasesRepository } from './camera-leases.repository.js';
export type { NodeRow, ClaimedLease, CameraPlacement } from './camera-leases.repository.js';
export { CameraGroupsRepository } from './camera-groups.repository.js';
export type {
  CameraGroupRow,
  CameraTriggerRow,
  CameraTriggerStatus,
  GroupWriteProblem,
} from './camera-groups.repository.js';
export { LiveAnalyticsRepository } from './live-analytics.repository.js';
export type {
  AnalyticsEventRow,
  AnalyticsEventType,
  CameraAnalyticsRow,
  DetectionFrame,
  EventFilter,
  NewAnalyticsEvent,
} from './live-analytics.repository.js';
