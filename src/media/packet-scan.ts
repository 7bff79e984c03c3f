/**
 * Reads every packet of the video stream once, without decoding, through one reused Packet and our own
 * read loop (no per-packet allocation; node-av's async packets() busy-waits when the consumer is
 * slower than the demuxer). Files are read with `readFrameSync`, which is faster; network inputs with
 * the async `readFrame`, so that the event loop stays free while bytes arrive. This is what makes a
 * frame index cheap: about 40k packets/s. The timeline's frame index and the analytics frame reader
 * are both built from this one scan.
 */
import '../core/polyfill.js';
import { AV_NOPTS_VALUE, AV_PKT_FLAG_DISCARD, AVERROR_EOF } from 'node-av/constants';
import { Packet, type FormatContext } from 'node-av/lib';
import { KadrError } from '../core/errors.js';

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

/** An opened input: its demuxer's format context, the video stream, and a name for messages. */
export interface PacketSource {
  format: FormatContext;
  streamIndex: number;
  name: string;
}

export interface PacketScanOptions {
  /** Read with the async `readFrame` (URLs), else `readFrameSync`. */
  network?: boolean;
  /** Checked every few thousand packets; a long file takes seconds to scan. */
  signal?: AbortSignal;
  /** Bytes read so far, every 256 video packets. */
  onProgress?: (bytesRead: number) => void;
}

const YIELD_EVERY_PACKETS = 2000;

/** Calls `onPacket` for every packet of the video stream, in file order; returns how many there were. */
export async function scanVideoPackets(
  source: PacketSource,
  onPacket: (p: ScannedPacket) => void,
  options: PacketScanOptions = {},
): Promise<number> {
  const { format, streamIndex, name } = source;
  const { network = false, signal, onProgress } = options;
  const pkt = new Packet();
  pkt.alloc();
  let n = 0;
  let read = 0;
  try {
    for (;;) {
      const ret = network ? await format.readFrame(pkt) : format.readFrameSync(pkt);
      if (ret === AVERROR_EOF) break;
      if (ret < 0) {
        // A read error after some packets: a truncated or damaged file. Say so rather than index half.
        throw new KadrError(
          'KADR_ERR_INPUT_CORRUPT',
          `${name} is damaged: reading stopped after ${n} video packets (code ${ret})`,
          { hint: 'the file may be truncated; re-copy it or remux it' },
        );
      }
      // Let the event loop deliver an abort now and then.
      if (signal && ++read % YIELD_EVERY_PACKETS === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        signal.throwIfAborted();
      }
      if (pkt.streamIndex === streamIndex) {
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
  return n;
}

/** The shown frames of a video stream in presentation order: pts and keyframes, nothing decoded. */
export interface VideoPacketIndex {
  /** Presentation timestamps in stream ticks, ascending; index i is frame i in presentation order. */
  pts: bigint[];
  /** Indices (into `pts`) of the keyframes, ascending. */
  keyframeIndices: number[];
}

/**
 * One scan sorted into presentation order. Its length is the exact frame count (no duration × fps),
 * its first pts is time zero, and its keyframes are where a resume can seek to.
 */
export async function indexVideoPackets(
  source: PacketSource,
  options: PacketScanOptions = {},
): Promise<VideoPacketIndex> {
  const entries: { pts: bigint; key: boolean }[] = [];
  let missing = false;
  await scanVideoPackets(
    source,
    (p) => {
      // Packets outside an MP4 edit list are decoded but never shown: they are not frames of the video.
      if (p.discard) return;
      // Raw H.264 in some containers carries no pts; the dts is then the presentation time too.
      const pts = p.pts ?? p.dts;
      if (pts === null) missing = true;
      else entries.push({ pts, key: p.key });
    },
    options,
  );
  if (missing) {
    throw new KadrError('KADR_ERR_INPUT_CORRUPT', `${source.name}: video packets without timestamps`, {
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
