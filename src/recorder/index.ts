export { Recorder, type RecorderOptions, type RecorderResult, type RecordedSegment } from './recorder.js';
export type { RecordingStore } from './store.js';
export {
  FRAME_INDEX_FORMAT,
  FRAME_INDEX_VERSION,
  type FrameIndexJson,
  type Gap,
  type SegmentSummary,
  type SegmentStart,
  type SegmentEnd,
} from './segment-index.js';
export { defaultSpoolDir } from './spool-dir.js';
