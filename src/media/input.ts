/**
 * Opening a video for reading: a local path or a URL FFmpeg can read (http(s) presigned object URLs,
 * rtsp). Every open uses copyTs so that source timestamps are left exactly as the container has them
 * (shared/reference/media: without it the demuxer applies the ffmpeg CLI's timestamp fix-ups).
 * Failures become KadrErrors that say what is wrong with the input, not what FFmpeg returned.
 */
import '../core/polyfill.js';
import { existsSync, statSync } from 'node:fs';
import { Demuxer } from 'node-av/api';
import type { FormatContext, Stream } from 'node-av/lib';
import { KadrError } from '../core/errors.js';
import type { Rational } from '../core/rational.js';
import { codecName } from './codec-names.js';
import { selectVideoStream } from './video-stream.js';

export interface VideoStreamInfo {
  streamIndex: number;
  /** Codec name as FFmpeg spells it: h264, hevc, mpeg4, vp9, av1, mjpeg... */
  codec: string;
  width: number;
  height: number;
  timeBase: Rational;
  /** Frame count the container declares (0 when it does not say). Informational only. */
  declaredFrames: number;
}

export interface VideoInput {
  readonly location: string;
  readonly demuxer: Demuxer;
  readonly format: FormatContext;
  readonly stream: Stream;
  readonly info: VideoStreamInfo;
  close(): Promise<void>;
}

export function isUrl(location: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location);
}

/** Short form of a location for messages and captions: the file name, or the URL without its query. */
export function displayName(location: string): string {
  if (isUrl(location)) return location.replace(/\?.*$/, '');
  return location.split(/[\\/]/).pop() ?? location;
}

/** Fails with a clear KadrError when a local path cannot be a video: missing, a folder, or empty. */
export function assertReadableFile(location: string): void {
  if (!existsSync(location)) {
    throw new KadrError('KADR_ERR_INPUT_NOT_FOUND', `no such file: ${location}`, { hint: 'check the path' });
  }
  const st = statSync(location);
  if (!st.isFile()) throw new KadrError('KADR_ERR_INPUT_UNREADABLE', `not a regular file: ${location}`);
  if (st.size === 0) throw new KadrError('KADR_ERR_INPUT_NOT_MEDIA', `empty file: ${location}`);
}

export async function openVideoInput(
  location: string,
  options: { rtspTransport?: 'tcp' | 'udp' } = {},
): Promise<VideoInput> {
  if (!isUrl(location)) assertReadableFile(location);
  let demuxer: Demuxer;
  try {
    demuxer = await Demuxer.open(location, {
      copyTs: true,
      options: options.rtspTransport ? { rtsp_transport: options.rtspTransport } : {},
    });
  } catch (error) {
    throw new KadrError(
      'KADR_ERR_INPUT_NOT_MEDIA',
      `${displayName(location)} is not a video FFmpeg can read`,
      {
        hint: 'the file is corrupt or not a media file',
        cause: error,
      },
    );
  }
  const stream = selectVideoStream(demuxer);
  if (!stream) {
    await demuxer.close();
    throw new KadrError('KADR_ERR_INPUT_NO_VIDEO', `${displayName(location)} has no video stream`, {
      hint: 'give a file with a video track',
    });
  }
  const tb = stream.timeBase;
  const info: VideoStreamInfo = {
    streamIndex: stream.index,
    codec: codecName(stream.codecpar.codecId),
    width: stream.codecpar.width,
    height: stream.codecpar.height,
    timeBase: { num: tb.num, den: tb.den },
    declaredFrames: Number(stream.nbFrames),
  };
  return {
    location,
    demuxer,
    format: demuxer.getFormatContext(),
    stream,
    info,
    close: () => demuxer.close(),
  };
}
