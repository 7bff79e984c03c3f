export { createApp } from './create-app.js';
export type { KadrApp, AppRoles } from './create-app.js';
export { VideosService } from './videos.service.js';
export type { UploadFile, VideoPage } from './videos.service.js';
export type { VideoDto } from './video.dto.js';
export type { VideoEvent, VideoEventListener } from './video-events.js';
