/**
 * Public surface of src/analytics: video analytics on top of src/media. It knows no database or queue;
 * callers persist what it returns.
 */
export {
  analyzeVideoFaces,
  VIDEO_ANALYTICS,
  type AnalyzeFacesOptions,
  type VideoAnalytic,
} from './face-analysis.js';
export {
  initialFaceState,
  validateResumeState,
  type FaceAnalysisState,
  type ObjectCount,
} from './face-analysis-state.js';
export { FaceDetector, type FaceDetectorOptions, type PlanarBgr } from './face-detector.js';
export type { FaceDetection } from './yunet-decode.js';
export { detectionSize, type DetectionSize } from './detection-size.js';
export { fitSimilarity, CHIP_TEMPLATE, CHIP_SIZE, type Point } from './face-alignment.js';
export {
  analyzeVideoPeople,
  type AnalyzePeopleOptions,
  type PeopleResult,
  type VideoPerson,
  type PersonAppearance,
} from './people-analysis.js';
export { ChipEmbedder } from './chip-embedder.js';
export {
  EMBEDDING_SIZE,
  SAME_PERSON_DISTANCE,
  embeddingDistance,
  meanEmbedding,
} from './embedding-distance.js';
export { clusterTracks, matchProfile, type KnownProfile } from './face-clustering.js';
export { keepDistinctFace, EVENT_FACES, EVENT_FACE_SPREAD } from './event-faces.js';
export { separateApart, type PersonFaces, type PersonPiece } from './apart-people.js';
export {
  ObjectDetector,
  DEFAULT_OBJECT_SCORE,
  type ObjectDetectorOptions,
  type ObjectInputSize,
} from './object-detector.js';
export type { ObjectDetection } from './yolox-decode.js';
export { COCO_CLASSES, PERSON_CLASS, type CocoClass } from './coco-classes.js';
export {
  PresenceTracker,
  type Observation,
  type PresenceChange,
  type PresenceType,
  type TrackedFrame,
} from './presence-tracker.js';
export { MIN_EMBED_FACE } from './people-analysis.js';
export { cropFace, encodeCropJpeg } from './face-crop.js';
export { PhotoFaceReader, type DescribedFace, type PhotoFaces, type StillPicture } from './photo-faces.js';
