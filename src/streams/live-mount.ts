/**
 * What DESCRIBE of a camera's mount answers: one video track, its SDP section written from the
 * parameter sets the camera sent (src/rtp/sdp-live-video.ts), open-ended (`a=range:npt=0-`). null for a
 * codec the restream does not packetize (only H.264 and H.265 are restreamed).
 */
import { liveVideoSdpSection } from '../rtp/index.js';
import type { CameraVideoInfo } from './camera-unit.js';
import type { SourceDescription } from './source.js';

export const LIVE_TRACK = 'track0';

export function liveMountDescription(info: CameraVideoInfo): SourceDescription | null {
  if (info.codec !== 'h264' && info.codec !== 'hevc') return null;
  return {
    mediaSections: [liveVideoSdpSection(info.codec, info.parameterSets ?? [])],
    tracks: [LIVE_TRACK],
    durationSec: undefined,
  };
}
