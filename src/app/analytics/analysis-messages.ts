/**
 * The IPC messages between a camera's analysis (camera-analysis.ts, in the server) and its child process
 * (camera-analytics.child.ts). The channel uses Node's `advanced` serialization, so Buffers and bigints
 * pass as they are.
 */
import type { KnownProfile } from '../../analytics/index.js';

/** What a camera's analytics are asked to find (validated by live-analytics.service.ts). */
export interface AnalyticsSettings {
  /** `faces`, `persons`, `objects` (every COCO class but person), or COCO class names (`car`). */
  detect: string[];
  fps: number;
  /** Polygons in 0…1 picture coordinates; a detection counts when the bottom centre of its box (a person's
   * feet) is inside one (zones.ts). */
  zones: [number, number][][] | null;
}

export interface ChildStart {
  type: 'start';
  codec: 'h264' | 'hevc';
  extradata: Buffer | null;
  timeBase: { num: number; den: number };
  settings: AnalyticsSettings;
  profiles: KnownProfile[];
  profileDistance: number;
}

export type ToChild =
  | ChildStart
  | { type: 'unit'; data: Buffer; pts: bigint; key: boolean; wallMs: number }
  | { type: 'profiles'; profiles: KnownProfile[] }
  | { type: 'stop' };

/** One detection of an analysed frame, its box in the camera's pixels. */
export interface Detection {
  kind: 'person' | 'object' | 'face';
  className: string;
  score: number;
  box: [number, number, number, number];
  /** A face that matched a profile. */
  profileId?: string;
  /** A matched face's embedding and crop (JPEG of the analysed picture): kept with its event for a correction. */
  embedding?: Float32Array;
  crop?: Buffer;
}

export interface AnalysedFrame {
  type: 'frame';
  pts: bigint;
  wallMs: number;
  detections: Detection[];
  /** The analysed picture as a JPEG, when it shows anything (a possible event snapshot). */
  jpeg: Buffer | null;
  /** Sampled frames the models had no time for since the previous message. */
  skipped: number;
}

export type FromChild =
  | { type: 'ready' }
  | { type: 'consumed'; units: number }
  | AnalysedFrame
  | { type: 'error'; message: string };
