export {
  openVideoInput,
  assertReadableFile,
  displayName,
  isUrl,
  type VideoInput,
  type VideoStreamInfo,
} from './input.js';
export {
  scanVideoPackets,
  indexVideoPackets,
  type ScannedPacket,
  type PacketSource,
  type PacketScanOptions,
  type VideoPacketIndex,
} from './packet-scan.js';
export { VideoDecoder, type PacketView } from './video-decoder.js';
export {
  encodeImage,
  writeImage,
  imageFormatFor,
  sideBySide,
  type ImageFormat,
  type CaptionedFrame,
} from './image.js';
export { comparePictures, type PictureComparison } from './picture-compare.js';
export { readPatternNumber, drawPatternNumber, drawDigits } from './test-pattern.js';
export type { Frame } from 'node-av/lib';
export { writeSyntheticVideo, type SyntheticVideoSpec } from './synthetic-video.js';
export { remuxVideo } from './remux.js';
export { configureFfmpegLog } from './ffmpeg-log.js';
