/**
 * The running result of face analysis on one video. Plain JSON, so the server can store it and hand it
 * back to resume; all arithmetic on it lives here and is unit-tested.
 */
import { KadrError, type Rational } from '../core/index.js';

export interface FaceAnalysisState {
  /** Frames in the video, counted from the container's packets (exact, not duration × fps). */
  totalFrames: number;
  /** Frames decoded and analysed so far (presentation order). */
  framesProcessed: number;
  /** Face detections summed over processed frames. */
  facesSoFar: number;
  framesWithFaces: number;
  /** Index s = faces detected in frames whose pts lies in [s, s+1) seconds after the first frame. */
  facesPerSecond: number[];
  /** Where a resume continues: one past the last analysed frame (== framesProcessed). */
  nextFrameIndex: number;
  /**
   * Packets that failed to read or decode (present only when there were any). A few are tolerated, as
   * FFmpeg conceals them; the frames lost make framesProcessed end below totalFrames.
   */
  decodeErrors?: number;
  /**
   * Object detection (uploads with `analytics` objects; absent otherwise): the most people seen in one
   * frame, and per COCO class the most seen in one frame and the frames it was seen in.
   */
  personsMax?: number;
  objects?: Record<string, ObjectCount>;
}

export interface ObjectCount {
  /** Most objects of the class in one analysed frame. */
  max: number;
  /** Analysed frames with at least one. */
  frames: number;
}

/** Adds one frame's objects (class names, one per detection) to the state. */
export function recordObjects(state: FaceAnalysisState, classes: readonly string[]): void {
  const objects = (state.objects ??= {});
  const perClass = new Map<string, number>();
  for (const c of classes) perClass.set(c, (perClass.get(c) ?? 0) + 1);
  for (const [c, n] of perClass) {
    const o = (objects[c] ??= { max: 0, frames: 0 });
    o.max = Math.max(o.max, n);
    o.frames++;
  }
  state.personsMax = Math.max(state.personsMax ?? 0, perClass.get('person') ?? 0);
}

export function initialFaceState(totalFrames: number): FaceAnalysisState {
  return {
    totalFrames,
    framesProcessed: 0,
    facesSoFar: 0,
    framesWithFaces: 0,
    facesPerSecond: [],
    nextFrameIndex: 0,
  };
}

/** Whole seconds from the first frame: floor(offset × num / den), exact in bigint. */
export function secondOf(offsetTicks: bigint, timeBase: Rational): number {
  if (offsetTicks < 0n) return 0;
  return Number((offsetTicks * BigInt(timeBase.num)) / BigInt(timeBase.den));
}

/** Adds one analysed frame to the state (mutates it: this runs once per frame). */
export function recordFrame(
  state: FaceAnalysisState,
  frameIndex: number,
  second: number,
  faces: number,
): void {
  state.framesProcessed++;
  state.nextFrameIndex = frameIndex + 1;
  state.facesSoFar += faces;
  if (faces > 0) state.framesWithFaces++;
  // Seconds without any frame (gaps in VFR video) still get a 0, so index s is always second s.
  while (state.facesPerSecond.length <= second) state.facesPerSecond.push(0);
  state.facesPerSecond[second]! += faces;
}

export function cloneFaceState(state: FaceAnalysisState): FaceAnalysisState {
  const copy: FaceAnalysisState = { ...state, facesPerSecond: [...state.facesPerSecond] };
  if (state.objects) {
    copy.objects = Object.fromEntries(Object.entries(state.objects).map(([k, v]) => [k, { ...v }]));
  }
  return copy;
}

/** Checks a state handed back for resume against the video it claims to belong to. */
export function validateResumeState(state: FaceAnalysisState, totalFrames: number): FaceAnalysisState {
  const whole = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  const ok =
    state &&
    whole(state.totalFrames) &&
    whole(state.framesProcessed) &&
    whole(state.facesSoFar) &&
    whole(state.framesWithFaces) &&
    whole(state.nextFrameIndex) &&
    (state.decodeErrors === undefined || whole(state.decodeErrors)) &&
    (state.personsMax === undefined || whole(state.personsMax)) &&
    (state.objects === undefined ||
      (typeof state.objects === 'object' &&
        state.objects !== null &&
        Object.values(state.objects).every(
          (o) => typeof o === 'object' && o !== null && whole(o.max) && whole(o.frames),
        ))) &&
    Array.isArray(state.facesPerSecond) &&
    state.facesPerSecond.every(whole) &&
    state.nextFrameIndex <= totalFrames &&
    state.framesProcessed <= state.nextFrameIndex &&
    state.framesWithFaces <= state.framesProcessed;
  if (!ok) {
    throw new KadrError(
      'KADR_ERR_VALIDATION',
      'the saved face analysis state is malformed and cannot be resumed',
      {
        details: { state },
      },
    );
  }
  if (state.totalFrames !== totalFrames) {
    throw new KadrError(
      'KADR_ERR_CONFLICT',
      `the saved face analysis state is for a video of ${state.totalFrames} frames, this one has ${totalFrames}`,
      { hint: 'start the analysis again without resumeFrom' },
    );
  }
  return cloneFaceState(state);
}
