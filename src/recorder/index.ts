export { Recorder, type RecorderOptions, type RecorderResult, type RecordedSegment } from './recorder.js';
export type { RecordingStore } from './store.js';
export {
  type SegmentIndexJson,
  type Gap,
  type SegmentSummary,
  type SegmentStart,
  type SegmentEnd,
  summarize as summarizeSegment,
} from './segment-index.js';
export { defaultSpoolDir } from './spool-dir.js';
export { hubRecorderSource, HUB_RECONNECT_MIN_MS, type HubRecorderSourceOptions } from './hub-source.js';
export { SegmentWriter, type SegmentWriterOptions, type SegmentOutcome } from './segment-writer.js';
export type { SegmentHeader } from './segment-index.js';
export { SpoolUploader } from './uploader.js';
export { orphanJournals, removeJournal } from './spool.js';
export { DtsRebuilder } from './dts-rebuild.js';
export { streamFromKeyframe, annexBNalUnits } from './in-band-track.js';
