/** What clients see of a video: the row without the worker bookkeeping (claim, resume state). */
import type { ObjectCounts, VideoAnalyticKind, VideoRow, VideoStage, VideoStatus } from '../db/index.js';

export interface VideoDto {
  id: string;
  filename: string;
  contentType: string | null;
  sizeBytes: number;
  status: VideoStatus;
  /** 0-100 over the whole analysis (both passes); 100 only when done. */
  progress: number;
  /** The pass running (or where a paused or failed video stopped); null before the first and once done. */
  stage: VideoStage | null;
  /** 0-100 within `stage`: frames decoded over total frames. */
  stageProgress: number;
  totalFrames: number | null;
  framesProcessed: number;
  /** Face detections summed over all frames processed so far. */
  facesSoFar: number;
  framesWithFaces: number;
  /** Faces detected in each second of the video (index = second); set when done. */
  facesPerSecond: number[] | null;
  /** What the video is analysed for: faces, objects or both (the upload's `analytics`). */
  analytics: VideoAnalyticKind[];
  /** With objects: the most people seen in one frame so far; null without. */
  personsMax: number | null;
  /** With objects: per COCO class, the most in one frame and the frames it was seen in; null without. */
  objects: ObjectCounts | null;
  error: string | null;
  errorCode: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export function toVideoDto(r: VideoRow): VideoDto {
  return {
    id: r.id,
    filename: r.filename,
    contentType: r.contentType,
    sizeBytes: r.sizeBytes,
    status: r.status,
    progress: Math.round(r.progress * 100) / 100,
    stage: r.stage,
    stageProgress: Math.round(r.stageProgress * 100) / 100,
    totalFrames: r.totalFrames,
    framesProcessed: r.framesProcessed,
    facesSoFar: r.facesSoFar,
    framesWithFaces: r.framesWithFaces,
    facesPerSecond: r.status === 'done' ? r.facesPerSecond : null,
    analytics: r.analytics,
    personsMax: r.personsMax,
    objects: r.objectCounts,
    error: r.error,
    errorCode: r.errorCode,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}
