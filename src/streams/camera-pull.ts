/**
 * Opening an RTSP video source for recording: kadr's own RTP receive path (rtsp-pull.ts) for H.264 and
 * H.265, libavformat's RTSP demuxer (libav-rtsp-pull.ts) for anything else (MPEG-4 Part 2, MJPEG, H.264
 * interleaved mode, ...), chosen from the SDP, so no source that recorded before stops recording.
 */
import type { CameraPullOptions } from './camera-unit.js';
import { LibavRtspPull } from './libav-rtsp-pull.js';
import { RtspPull } from './rtsp-pull.js';

export type CameraPull = RtspPull | LibavRtspPull;

/** 'auto': RTP path where it applies; 'libavformat': always the demuxer (for comparison, or a workaround). */
export type CameraPullPath = 'auto' | 'libavformat';

export async function openCameraPull(
  url: string,
  options: CameraPullOptions & { path?: CameraPullPath },
): Promise<CameraPull> {
  if (options.path !== 'libavformat') {
    const rtp = await RtspPull.open(url, options);
    if (rtp) return rtp;
  }
  return LibavRtspPull.open(url, options);
}
