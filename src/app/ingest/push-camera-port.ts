/**
 * What a session (JPEG ingest, WHIP) needs to be a camera of the registry (docs/ingest.md, "Sessions
 * become cameras"), declared here so that the sessions know no registry: the cameras' PushCameras
 * satisfies it and the app hands it in.
 */
import type { MediaUnit } from '../../core/media-unit.js';
import type { SegmentSummary } from '../../recorder/index.js';

export interface PushCameraPort {
  /**
   * The push camera named `name` (made when there is none), held by this node while the session runs.
   * Throws a conflict when the name is a pulled camera's, or another session sends to it.
   */
  open(name: string): Promise<PushLink>;
  /**
   * A session's recording is stored (at its end, or later from the spool, a crashed process's
   * included): it becomes a segment of the camera `cameraId` (the session's link's) or, when the
   * session's link is gone (a recording found in the spool at start), of the push camera named `name`.
   */
  recorded(name: string, summary: SegmentSummary, cameraId?: string): Promise<void>;
}

export interface PushLink {
  readonly cameraId: string;
  /** Each unit as recorded (the first a keyframe with its parameter sets in-band), with its wallclock. */
  unit(unit: MediaUnit): void;
  /** The session ended: the camera goes offline and this node gives its lease back. */
  end(reason: string): Promise<void>;
}

/** The camera's name from a session recording's key (`ingest/<name>/<file>.mp4`); null for another key. */
export function pushCameraOfKey(key: string): string | null {
  const m = /^ingest\/([^/]+)\/[^/]+\.mp4$/.exec(key);
  return m ? m[1]! : null;
}
