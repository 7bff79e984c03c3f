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
export { mosaic } from './mosaic.js';
export { comparePictures, type PictureComparison } from './picture-compare.js';
export { readPatternNumber, drawPatternNumber, drawDigits } from './test-pattern.js';
export type { Frame } from 'node-av/lib';
export { writeSyntheticVideo, syntheticPicture, type SyntheticVideoSpec } from './synthetic-video.js';
export { remuxVideo } from './remux.js';
export { configureFfmpegLog } from './ffmpeg-log.js';
export type { Fmp4Piece } from './fmp4-boxes.js';
export { Fmp4Writer } from './fmp4-writer.js';
export type { Fmp4TrackSource, Fmp4TrackSpec } from './fmp4-writer.js';
export { VideoFrameReader } from './frame-reader.js';
export { bgrToPlanarBgr, filterToPlanes } from './planar-bgr.js';
export { RtpFileTrack } from './rtp-file-track.js';
export { writeClip, type ClipRequest, type ClipResult } from './clip-writer.js';
export { JpegH264Encoder, type JpegH264Options, type EncodedUnit } from './jpeg-h264-encoder.js';
export { patternJpeg } from './pattern-jpeg.js';
export { DeviceJpegSource, type DeviceJpegOptions } from './device-jpeg.js';
export { LiveTranscoder, type EncodedPicture, type LiveTranscoderOptions } from './live-transcoder.js';
export { lowLatencyX264Options, type LowLatencyH264Settings } from './transcode-h264.js';
export { Fmp4FragmentWriter, type Fmp4Fragment } from './fmp4-fragments.js';
export {
  UnitDecoder,
  bgrToJpeg,
  isNonReferenceH264,
  type BgrPicture,
  type UnitDecoderOptions,
} from './unit-decoder.js';
export { decodeStill, stillFormatOf, MAX_PIXELS, type BgrStill, type StillFormat } from './still-image.js';
export { exifOrientation, orientPixels, type Orientation } from './exif-orientation.js';
