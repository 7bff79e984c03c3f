/**
 * A demux-only pass over a video stream: every packet's pts and keyframe flag, sorted into presentation
 * order. Its length is the exact frame count (no duration × fps), its first pts is time zero, and its
 * keyframes are where a resume can seek to (shared/reference/media §2: about 40k packets/s).
 */
import '../core/polyfill.js';
import { Packet } from 'node-av/lib';
import type { Demuxer } from 'node-av/api';
import { AV_NOPTS_VALUE, AV_PKT_FLAG_DISCARD, AVERROR_EOF } from 'node-av/constants';
import { KadrError } from '../core/index.js';

export interface VideoPacketIndex {
  /** Presentation timestamps in stream ticks, ascending; index i is frame i in presentation order. */
  pts: bigint[];
  /** Indices (into `pts`) of the keyframes, ascending. */
  keyframeIndices: number[];
}

/**
 * `network` inputs are read with the async `readFrame` (the event loop stays free while bytes arrive);
 * files with `readFrameSync`, which is faster (shared/reference/media §2).
 */
const YIELD_EVERY_PACKETS = 2000;

export async function scanVideoPackets(
  demuxer: Demuxer,
  streamIndex: number,
  input: string,
  network: boolean,
  signal?: AbortSignal,
): Promise<VideoPacketIndex> {
  const fmt = demuxer.getFormatContext();
  const packet = new Packet();
  packet.alloc();
  const entries: { pts: bigint; key: boolean }[] = [];
  let read = 0;
  let streamPackets = 0;
  try {
    for (;;) {
      const ret = network ? await fmt.readFrame(packet) : fmt.readFrameSync(packet);
      if (ret === AVERROR_EOF) break;
      if (ret < 0) {
        throw new KadrError(
          'KADR_ERR_INPUT_CORRUPT',
          `${input}: reading packet ${entries.length + 1} failed (code ${ret})`,
          {
            hint: 'the file is damaged or truncated',
          },
        );
      }
      // A long file takes seconds to scan: let the event loop deliver an abort now and then.
      if (signal && ++read % YIELD_EVERY_PACKETS === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        signal.throwIfAborted();
      }
      if (packet.streamIndex === streamIndex) streamPackets++;
      // Packets outside an MP4 edit list are decoded but never shown: they are not frames of the video.
      if (packet.streamIndex === streamIndex && (packet.flags & AV_PKT_FLAG_DISCARD) === 0) {
        // Raw H.264 in some containers carries no pts; the dts is then the presentation time too.
        const pts = packet.pts !== AV_NOPTS_VALUE ? packet.pts : packet.dts;
        entries.push({ pts, key: packet.isKeyframe });
      }
      packet.unref();
    }
  } finally {
    packet.free();
  }
  // An MP4 with its index first (faststart) and its media data cut short reads like a shorter, whole
  // video: the demuxer simply ends where the bytes do. The index still counts every sample (stsz; AVI's
  // header likewise), so fewer packets than it declares is a truncated file, not a short one.
  const declared = network ? 0 : Number(demuxer.streams.find((s) => s.index === streamIndex)?.nbFrames ?? 0);
  if (declared > 0 && streamPackets < declared) {
    throw new KadrError(
      'KADR_ERR_INPUT_CORRUPT',
      `${input}: the file is truncated: its index declares ${declared} frames, only ${streamPackets} are in the file`,
      { hint: 're-copy or re-upload the complete file' },
    );
  }
  if (entries.some((e) => e.pts === AV_NOPTS_VALUE)) {
    throw new KadrError('KADR_ERR_INPUT_CORRUPT', `${input}: video packets without timestamps`, {
      hint: 'remux the file (e.g. into MP4) so that every frame has a timestamp',
    });
  }
  entries.sort((a, b) => (a.pts < b.pts ? -1 : a.pts > b.pts ? 1 : 0));
  const keyframeIndices: number[] = [];
  entries.forEach((e, i) => {
    if (e.key) keyframeIndices.push(i);
  });
  return { pts: entries.map((e) => e.pts), keyframeIndices };
}
