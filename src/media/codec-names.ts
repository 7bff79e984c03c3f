import { avGetCodecName } from 'node-av/lib';
import type { AVCodecID } from 'node-av/constants';

/** FFmpeg's own codec name (avcodec_get_name): 'h264', 'hevc', 'mpeg4', 'vp9'. No raw ids leave src/media. */
export function codecName(id: AVCodecID): string {
  return avGetCodecName(id) ?? `codec-${String(id)}`;
}
