export * from './source.js';
export { FileSource, mountNameFor, FILE_TRACK } from './file-source.js';
export { StreamRegistry } from './stream-registry.js';
export { startFolderRtsp, type FolderRtsp, type FolderRtspOptions } from './rtsp-folder.js';
export type { CameraPullPath } from './camera-pull.js';
export type { CameraUnit, CameraVideoInfo, PullEnd } from './camera-unit.js';
export { ByteBudget } from './rtp-unit-cache.js';
export { RtspCameraSource } from './rtsp-camera-source.js';
export { SourceSupervisor } from './source-supervisor.js';
export type { GapMark } from './source-supervisor.js';
export {
  StreamHub,
  HubSubscription,
  type HubEnd,
  type HubGap,
  type HubItem,
  type StreamHubOptions,
} from './stream-hub.js';
export {
  LiveCamera,
  type LiveSource,
  type LivePull,
  type LiveStreamInfo,
  type LiveCameraOptions,
} from './live-camera.js';
export { LiveCameras, CAMERA_STATES } from './live-cameras.js';
export { PushSource, type PushFeed, type PushStream } from './push-source.js';
export type { CameraHealth, CameraState, LiveCameraSpec, LiveCamerasOptions } from './live-cameras.js';
export type { LiveMounts, MountRedirect } from './stream-registry.js';
export { PacketPool } from './packet-pool.js';
export {
  LiveViews,
  ORIGINAL_QUALITY,
  H264_QUALITY,
  renditionMaxRateBps,
  RENDITION_CRF,
  type LiveViewInfo,
  type LiveViewLease,
  type LiveViewSource,
  type LiveViewsOptions,
} from './live-views.js';
export { Rendition, type RenditionSource, type RenditionSpec } from './rendition.js';
export { ServedFiles, type ServedFilesOptions } from './served-files.js';
