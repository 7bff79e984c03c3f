/**
 * Face analysis of one archive video: decode every frame (FFmpeg scales it to the detection size and
 * hands over planar BGR), run YuNet on it, and keep a running FaceAnalysisState that the caller can
 * watch (onProgress), store, and later resume from. It knows no database and no queue: the job handler
 * in app/ persists what it reports.
 *
 * One video uses `threads` cores (default 1, for decoder and inference alike), so a server running N
 * videos at once in N workers keeps N cores busy without oversubscribing them.
 */
import { KadrError } from '../core/index.js';
import { VideoFrameReader } from '../media/index.js';
import { COCO_CLASSES } from './coco-classes.js';
import { PlanarScaler } from './face-crop.js';
import type { DetectionSize } from './detection-size.js';
import { FaceDetector } from './face-detector.js';
import { ObjectDetector } from './object-detector.js';
import {
  cloneFaceState,
  initialFaceState,
  recordFrame,
  recordObjects,
  secondOf,
  validateResumeState,
  type FaceAnalysisState,
} from './face-analysis-state.js';

export interface AnalyzeFacesOptions {
  /** Stops between two frames (within one frame's work, a few ms); the promise rejects with the reason. */
  signal?: AbortSignal;
  /** Continue from a state an earlier run reported, instead of from frame 0. */
  resumeFrom?: FaceAnalysisState;
  /** Called at most every 250 ms while running, and once at the end with the final state. */
  onProgress?: (state: FaceAnalysisState) => void | Promise<void>;
  /** onnxruntime intra-op threads and FFmpeg decoder threads for this video (default 1). */
  threads?: number;
  /** Minimum face score (default DEFAULT_SCORE_THRESHOLD, chosen in docs/analytics-evaluation.md). */
  scoreThreshold?: number;
  /** What to detect (default faces only): faces are counted, objects (YOLOX-nano, COCO) too when asked. */
  analytics?: readonly VideoAnalytic[];
}

/** What an archive video is analysed for (the upload's `analytics` field). */
export type VideoAnalytic = 'faces' | 'objects';
export const VIDEO_ANALYTICS: readonly VideoAnalytic[] = ['faces', 'objects'];

const PROGRESS_INTERVAL_MS = 250;

/**
 * Share of frames that may fail to decode before the file is called corrupt. Real archives often carry
 * a damaged packet or two, which FFmpeg conceals; failing the whole video for that would lose the result.
 */
const MAX_LOST_FRAME_SHARE = 0.5;

export async function analyzeVideoFaces(
  input: string,
  options: AnalyzeFacesOptions = {},
): Promise<FaceAnalysisState> {
  const { signal, onProgress } = options;
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) {
    // 0 would mean "all cores" to FFmpeg: exactly the oversubscription one-video-per-worker avoids.
    throw new KadrError('KADR_ERR_CONFIG', `threads must be a whole number >= 1, got ${threads}`);
  }
  signal?.throwIfAborted();
  const reader = await VideoFrameReader.open(input, { threads, signal });
  signal?.throwIfAborted();
  const state = options.resumeFrom
    ? validateResumeState(options.resumeFrom, reader.totalFrames)
    : initialFaceState(reader.totalFrames);
  const analytics = options.analytics ?? ['faces'];
  if (!analytics.some((a) => VIDEO_ANALYTICS.includes(a))) {
    throw new KadrError('KADR_ERR_CONFIG', 'nothing to analyse: analytics must name faces, objects or both');
  }
  const detector = analytics.includes('faces')
    ? await FaceDetector.create({ threads, scoreThreshold: options.scoreThreshold })
    : undefined;
  const objects = analytics.includes('objects') ? await ObjectDetector.create({ threads }) : undefined;
  if (objects) {
    state.personsMax ??= 0;
    state.objects ??= {};
  }
  const scaler = new PlanarScaler();
  try {
    const objectSize = objects?.sizeFor(reader.width, reader.height);
    // Frames come at the face detector's size; without faces, at the object detector's.
    const size = detector?.sizeFor(reader.width, reader.height) ?? objectSize!;
    const startIndex = state.nextFrameIndex;
    let analysed = 0;
    let lastReport = performance.now();
    if (startIndex < reader.totalFrames) {
      for await (const frame of reader.readPlanarBgr({
        width: size.width,
        height: size.height,
        fromIndex: startIndex,
      })) {
        signal?.throwIfAborted();
        const faces = detector ? await detector.detectPlanar(frame, size as DetectionSize) : [];
        if (objects && objectSize) {
          const same = frame.width === objectSize.width && frame.height === objectSize.height;
          const picture = same ? frame : scaler.scale(frame, objectSize.width, objectSize.height);
          const found = await objects.detectPlanar(picture, objectSize);
          recordObjects(
            state,
            found.map((o) => COCO_CLASSES[o.classId]!),
          );
        }
        recordFrame(state, frame.frameIndex, secondOf(frame.offsetTicks, reader.timeBase), faces.length);
        analysed++;
        const now = performance.now();
        if (onProgress && now - lastReport >= PROGRESS_INTERVAL_MS) {
          lastReport = now;
          await onProgress(cloneFaceState(state));
        }
      }
    }
    signal?.throwIfAborted();
    const expected = reader.totalFrames - startIndex;
    if (reader.decodeErrors > 0) {
      if (analysed === 0 || expected - analysed > expected * MAX_LOST_FRAME_SHARE) {
        throw new KadrError(
          'KADR_ERR_INPUT_CORRUPT',
          `${input}: the video is damaged: ${analysed} of ${expected} frames could be decoded`,
          { hint: 'the file is corrupt or truncated; re-export or re-upload it' },
        );
      }
      state.decodeErrors = (state.decodeErrors ?? 0) + reader.decodeErrors;
    } else if (analysed === 0 && expected > 0) {
      throw new KadrError('KADR_ERR_INPUT_CORRUPT', `${input}: no frame of the video could be decoded`);
    }
    await onProgress?.(cloneFaceState(state));
    return state;
  } finally {
    scaler.close();
    await detector?.close();
    await objects?.close();
  }
}
