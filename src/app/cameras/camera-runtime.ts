/**
 * What the cameras service needs from the live side, declared here so that app/ depends on no
 * runtime: `LiveCameras` (src/streams) satisfies CameraRuntime, the recording manager satisfies
 * CameraRecordingControl; the composition root hands them in. Until it does, cameras read `idle`
 * and recording is only the stored flag.
 */
import { CAMERA_STATES, type CameraState, type PushFeed, type PushStream } from '../../streams/index.js';

// The states are the runtime's own (`offline`: a push camera with no session sending, docs/ingest.md).
export { CAMERA_STATES, type CameraState };

/** What the runtime is given per camera. `url` carries the credentials: never log it. */
export interface CameraSpec {
  id: string;
  name: string;
  url: string;
  /** 'push': nothing to connect to; its sessions attach to the runtime's push source. */
  transport: 'tcp' | 'udp' | 'push';
  onDemand: boolean;
}

/** Where a push camera's session hands its units (streams/push-source.ts's PushSource). */
export interface PushInput {
  readonly attached: boolean;
  attach(stream: PushStream): PushFeed;
}

export interface CameraHealthLike {
  state: CameraState;
  lastError: string | null;
  fps: number | null;
  bitrateBps: number | null;
  lastFrameAt: string | null;
  reconnects: number;
  skippedUnits: number;
}

export interface CameraRuntime {
  /** Add, or replace (the runtime reconnects when url or transport changed). */
  put(spec: CameraSpec): void;
  remove(id: string): Promise<void>;
  health(id: string): CameraHealthLike | undefined;
  /** A push camera's input, once put(); undefined for another camera. */
  pushSource?(id: string): PushInput | undefined;
  /** Prometheus text for every camera (labels id and name); /metrics serves it when present. */
  metricsText?(): string;
}

export interface CameraRecordingControl {
  /** `gapReason`: the camera comes from another node; the time since its last segment is a gap. */
  start(cameraId: string, gapReason?: string): Promise<void>;
  stop(cameraId: string): Promise<void>;
  isRecording(cameraId: string): boolean;
  /**
   * Joins the camera's stream now, at the keyframe its hub keeps, for a start() that follows within
   * seconds (a trigger: its instant must stay in the pre-roll while the start waits on the database).
   */
  holdPreRoll?(cameraId: string): void;
}

export const IDLE_HEALTH: CameraHealthLike = Object.freeze({
  state: 'idle',
  lastError: null,
  fps: null,
  bitrateBps: null,
  lastFrameAt: null,
  reconnects: 0,
  skippedUnits: 0,
});
