/**
 * Which stream of a demuxed file is "the video": the first video stream that is not an attached
 * picture (cover art in MP4/MKV is a video stream of one picture). The demuxer is told to discard the
 * others, so reads hand over only video packets instead of audio and data to be thrown away.
 * Every reader of files picks it here: the frame reader, the packet scans and the restream.
 */
import '../core/polyfill.js';
import type { Demuxer } from 'node-av/api';
import { AV_DISPOSITION_ATTACHED_PIC, AVDISCARD_ALL, AVMEDIA_TYPE_VIDEO } from 'node-av/constants';
import type { Stream } from 'node-av/lib';

export function selectVideoStream(demuxer: Demuxer): Stream | undefined {
  const stream = demuxer.streams.find(
    (s) => s.codecpar.codecType === AVMEDIA_TYPE_VIDEO && (s.disposition & AV_DISPOSITION_ATTACHED_PIC) === 0,
  );
  if (stream) for (const s of demuxer.streams) if (s.index !== stream.index) s.discard = AVDISCARD_ALL;
  return stream;
}
