/** The camera as the API shows it: no credentials, ever; the source URL without them. */
import type { CameraState } from './camera-runtime.js';

export interface CameraRetention {
  /** Segments older than this are deleted; null: no age limit. */
  maxAgeHours: number | null;
  /** The oldest segments are deleted past this many bytes; null: no size limit. */
  maxBytes: number | null;
}

export interface CameraDto {
  id: string;
  name: string;
  /** The source URL without credentials (secret-looking query values masked). */
  url: string;
  hasCredentials: boolean;
  /** 'push': the video is pushed to kadr (WHIP, JPEG ingest) under the camera's name; `url` is empty. */
  transport: 'tcp' | 'udp' | 'push';
  onDemand: boolean;
  /** Recording is switched on (kept across restarts). */
  record: boolean;
  /** Recording is running now (the recorder's word when one is wired; else the switch). */
  recording: boolean;
  retention: CameraRetention;
  state: CameraState;
  lastError: string | null;
  health: {
    fps: number | null;
    bitrateBps: number | null;
    lastFrameAt: string | null;
    reconnects: number;
    skippedUnits: number;
  };
  /** The live analytics attached (docs/live-analytics.md); null when none. */
  analytics: CameraAnalyticsDto | null;
  /** Where kadr restreams the camera: on the node that runs it. */
  rtspUrl: string;
  /** The node that runs the camera (holds its lease); null while none does (docs/nodes.md). */
  node: { id: string; url: string } | null;
  createdAt: string;
  updatedAt: string;
}

/** What a camera's live analytics look for, and how many frames they analysed and skipped. */
export interface CameraAnalyticsDto {
  detect: string[];
  fps: number;
  zones: [number, number][][] | null;
  /** Analysing now (false where this server does not run the camera). */
  running: boolean;
  framesAnalysed: number;
  /** Sampled frames left out because the models (or the decoder) were behind. */
  framesSkipped: number;
  /** Times the analysis process was started again after it died. */
  restarts: number;
}
