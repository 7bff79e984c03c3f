/**
 * Reads every packet of the video stream once, without decoding, through one reused Packet and the
 * synchronous readFrameSync loop (no per-packet allocation; node-av's async packets() busy-waits, see
 * docs/media-pitfalls.md, "Async packet reading spins while its queue is full"). This is what makes building a frame index cheap: about 40k packets/s.
 */
import { AV_NOPTS_VALUE, AV_PKT_FLAG_DISCARD, AVERROR_EOF } from 'node-av/constants';
import { Packet } from 'node-av/lib';
import { KadrError } from '../core/errors.js';
import type { VideoInput } from './input.js';
import { displayName } from './input.js';

export interface ScannedPacket {
  /** Presentation timestamp in stream ticks, or null when the container does not carry one. */
  pts: bigint | null;
  dts: bigint | null;
  duration: bigint;
  /** Byte position in the file (-1 when unknown). */
  pos: bigint;
  key: boolean;
  /** Marked by the demuxer to be decoded but not shown (outside an MP4 edit list). */
  discard: boolean;
}

export function scanVideoPackets(
  input: VideoInput,
  onPacket: (p: ScannedPacket) => void,
  onProgress?: (bytesRead: number) => void,
): void {
  const pkt = new Packet();
  pkt.alloc();
  let n = 0;
  try {
    for (;;) {
      const ret = input.format.readFrameSync(pkt);
      if (ret === AVERROR_EOF) break;
      if (ret < 0) {
        // A read error after some packets: a truncated or damaged file. Say so rather than index half.
        throw new KadrError(
          'KADR_ERR_INPUT_CORRUPT',
          `${displayName(input.location)} is damaged: reading stopped after ${n} packets`,
          {
            hint: 'the file may be truncated; re-copy it or remux it',
          },
        );
      }
      if (pkt.streamIndex === input.info.streamIndex) {
        n++;
        onPacket({
          pts: pkt.pts === AV_NOPTS_VALUE ? null : pkt.pts,
          dts: pkt.dts === AV_NOPTS_VALUE ? null : pkt.dts,
          duration: pkt.duration,
          pos: pkt.pos,
          key: pkt.isKeyframe,
          discard: (pkt.flags & AV_PKT_FLAG_DISCARD) !== 0,
        });
        if (onProgress && (n & 255) === 0) onProgress(Number(pkt.pos));
      }
      pkt.unref();
    }
  } finally {
    pkt.free();
  }
}
