/**
 * Opening an RTSP video source for recording: kadr's own RTP receive path (rtsp-pull.ts) for H.264 and
 * H.265, libavformat's RTSP demuxer (libav-rtsp-pull.ts) for anything else (MPEG-4 Part 2, MJPEG, H.264
 * interleaved mode, ...), chosen from the SDP, so no source that recorded before stops recording.
 */
import { RtpInput } from './rtsp-pull.js';
import { RtspInput, type RtspInputOptions } from './libav-rtsp-pull.js';

export type VideoInput = RtpInput | RtspInput;

/** 'auto': RTP path where it applies; 'libavformat': always the demuxer (for comparison, or a workaround). */
export type VideoInputPath = 'auto' | 'libavformat';

export async function openVideoInput(
  url: string,
  options: RtspInputOptions & { path?: VideoInputPath },
): Promise<VideoInput> {
  if (options.path !== 'libavformat') {
    const rtp = await RtpInput.open(url, options);
    if (rtp) return rtp;
  }
  return RtspInput.open(url, options);
}
