/**
 * Reads a video's frames in presentation order, scaled by FFmpeg to a size the caller picks and delivered
 * as planar 8-bit BGR (`gbrp`), the layout inference tensors want. No per-pixel JavaScript: swscale does
 * the scaling and the colour conversion in one pass.
 *
 * Each frame carries its exact presentation index and pts (from the packet index, never from fps), so a
 * consumer can resume at a frame index: seek to the keyframe at or before it, decode forward and drop the
 * frames before it. Our own packet loop, never node-av's async packet iterator, which spins a core when
 * the consumer is slower than the demuxer (shared/reference/media, trap 2): `readFrameSync` for files,
 * async `readFrame` for URLs so that a slow network never blocks the event loop; decoding is sync.
 */
import '../core/polyfill.js';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Decoder, Demuxer, FilterAPI } from 'node-av/api';
import { Packet } from 'node-av/lib';
import type { Frame, Stream } from 'node-av/lib';
import { AV_NOPTS_VALUE, AVERROR_EOF, AVSEEK_FLAG_BACKWARD } from 'node-av/constants';
import { KadrError, type Rational } from '../core/index.js';
import { indexVideoPackets, type VideoPacketIndex } from './packet-scan.js';
import { selectVideoStream } from './video-stream.js';

export interface OpenVideoOptions {
  /** Decoder threads (FFmpeg). One video per worker wants 1 so that N videos use N cores. Default 1. */
  threads?: number;
  /** Aborts the packet scan of `open` (seconds on long files). */
  signal?: AbortSignal;
}

/** One decoded frame as planes G, B, R (FFmpeg's `gbrp` order). Valid only until the next frame is read. */
export interface PlanarBgrFrame {
  /** 0-based position in presentation order. */
  frameIndex: number;
  ptsTicks: bigint;
  /** pts minus the first frame's pts, in the stream time base. */
  offsetTicks: bigint;
  width: number;
  height: number;
  b: Buffer;
  g: Buffer;
  r: Buffer;
  /** Bytes per row of each plane (at least `width`). */
  stride: number;
}

export interface ReadFramesOptions {
  /** Output size; FFmpeg scales with bilinear filtering. */
  width: number;
  height: number;
  /** First frame (presentation order) to deliver; earlier frames are decoded only as far as needed. */
  fromIndex?: number;
}

const NETWORK_TIMEOUT_US = 30_000_000;
const PROBE_BYTES = 4096;
const SEEK_ATTEMPTS = 3;
/**
 * FFmpeg demuxers of containers that carry video. Only a header of one of these makes a file that will not
 * open "damaged"; random bytes routinely probe as mp3 (sync words happen by chance), which is not.
 */
const VIDEO_CONTAINERS = /^(mov|matroska|avi|mpegts|mpeg|flv|asf|ogg|h264|hevc|ivf|nut|mxf)\b/;
const isUrl = (input: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(input);

export class VideoFrameReader {
  /** Packets that failed to read or decode in the last `readPlanarBgr` runs (their frames are lost). */
  decodeErrors = 0;

  private constructor(
    private readonly input: string,
    private readonly threads: number,
    readonly index: VideoPacketIndex,
    readonly timeBase: Rational,
    readonly width: number,
    readonly height: number,
  ) {}

  get totalFrames(): number {
    return this.index.pts.length;
  }

  /** Opens the input and builds its packet index (one demux pass, no decoding). */
  static async open(input: string, options: OpenVideoOptions = {}): Promise<VideoFrameReader> {
    if (!isUrl(input) && !existsSync(input)) {
      throw new KadrError('KADR_ERR_INPUT_NOT_FOUND', `${input}: no such file`);
    }
    const demuxer = await openDemuxer(input);
    try {
      const stream = videoStream(demuxer, input);
      const index = await indexVideoPackets(
        { format: demuxer.getFormatContext(), streamIndex: stream.index, name: input },
        { network: isUrl(input), signal: options.signal },
      );
      if (index.pts.length === 0) {
        throw new KadrError('KADR_ERR_INPUT_CORRUPT', `${input}: the video stream has no frames`);
      }
      const { width, height } = stream.codecpar;
      if (!(width > 0 && height > 0)) {
        throw new KadrError('KADR_ERR_INPUT_CORRUPT', `${input}: the video stream has no frame size`);
      }
      return new VideoFrameReader(input, options.threads ?? 1, index, stream.timeBase, width, height);
    } finally {
      await demuxer.close();
    }
  }

  /**
   * Decodes from the keyframe at or before `fromIndex` and yields every frame from `fromIndex` on.
   * Decode errors on single packets are counted in `decodeErrors` and skipped, as ffmpeg does; the
   * caller decides what share of damage is acceptable.
   */
  async *readPlanarBgr(options: ReadFramesOptions): AsyncGenerator<PlanarBgrFrame, void, void> {
    const fromIndex = options.fromIndex ?? 0;
    const ptsToIndex = new Map<bigint, number>();
    this.index.pts.forEach((p, i) => ptsToIndex.set(p, i));
    const firstPts = this.index.pts[0]!;

    const network = isUrl(this.input);
    const demuxer = await openDemuxer(this.input);
    const packet = new Packet();
    packet.alloc();
    let decoder: Decoder | undefined;
    let filter: FilterAPI | undefined;
    try {
      const stream = videoStream(demuxer, this.input);
      decoder = Decoder.createSync(stream, { context: { threadCount: this.threads } });
      filter = FilterAPI.create(`scale=${options.width}:${options.height}:flags=bilinear,format=gbrp`, {
        graph: { nbThreads: 1 },
      });
      const fmt = demuxer.getFormatContext();
      let lastIndex = -1;
      // Resume: decode from a keyframe at or before `fromIndex` (any such keyframe is correct, the latest
      // is cheapest). `lowerBound` is the keyframe last sought; `limit` the latest acceptable one.
      const targets = this.seekTargets(fromIndex);
      const limit = targets[0];
      let lowerBound = -1n;
      let attempt = 0;
      const seekNext = async (): Promise<boolean> => {
        while (attempt < targets.length) {
          const target = targets[attempt++]!;
          if ((await fmt.seekFrame(stream.index, target, AVSEEK_FLAG_BACKWARD)) >= 0) {
            lowerBound = target;
            return false;
          }
        }
        // No seek worked (or none is needed): from the start; `emit` drops the frames before `fromIndex`.
        if (attempt > 0) await fmt.seekFrame(stream.index, firstPts, AVSEEK_FLAG_BACKWARD);
        return true;
      };
      let started = await seekNext();

      const emit = function* (frame: Frame): Generator<PlanarBgrFrame, void, void> {
        const pts = frame.bestEffortTimestamp !== AV_NOPTS_VALUE ? frame.bestEffortTimestamp : frame.pts;
        // Decoders output in presentation order; a pts missing from the index (damaged stream) takes
        // the next index rather than a made-up time.
        let frameIndex = ptsToIndex.get(pts) ?? lastIndex + 1;
        if (frameIndex <= lastIndex) frameIndex = lastIndex + 1;
        lastIndex = frameIndex;
        if (frameIndex < fromIndex) return;
        const scaled = filter!.processAllSync(frame);
        try {
          for (const out of scaled) {
            const data = out.data!;
            yield {
              frameIndex,
              ptsTicks: pts,
              offsetTicks: pts - firstPts,
              width: out.width,
              height: out.height,
              g: data[0]!,
              b: data[1]!,
              r: data[2]!,
              stride: out.linesize[0]!,
            };
          }
        } finally {
          for (const out of scaled) out.free();
        }
      };

      for (;;) {
        const ret = network ? await fmt.readFrame(packet) : fmt.readFrameSync(packet);
        const eof = ret < 0;
        if (ret < 0 && ret !== AVERROR_EOF) this.decodeErrors++;
        if (!eof && packet.streamIndex !== stream.index) {
          packet.unref();
          continue;
        }
        if (!eof && !started) {
          const pts = packet.pts !== AV_NOPTS_VALUE ? packet.pts : packet.dts;
          if (pts > limit!) {
            // Landed past the keyframe: try an earlier one.
            packet.unref();
            started = await seekNext();
            continue;
          }
          // mov seeks on its dts index and can land a GOP early (reference §3): demux, do not decode,
          // until the keyframe sought.
          if (!packet.isKeyframe || pts < lowerBound) {
            packet.unref();
            continue;
          }
          started = true;
        }
        try {
          decoder.decodeSync(eof ? null : packet);
        } catch {
          this.decodeErrors++;
        }
        packet.unref();
        for (;;) {
          let frame: Frame | null;
          try {
            const got = decoder.receiveSync();
            frame = got && typeof got === 'object' ? got : null;
          } catch {
            this.decodeErrors++;
            break;
          }
          if (!frame) break;
          try {
            yield* emit(frame);
          } finally {
            frame.free();
          }
        }
        if (eof) break;
      }
    } finally {
      packet.free();
      filter?.close();
      decoder?.close();
      await demuxer.close();
    }
  }

  /** Positions the demuxer before the keyframe that `fromIndex` decodes from; returns its pts. */
  /**
   * Keyframes to seek to for a resume at `fromIndex`: the last one at or before it, then up to two
   * earlier ones in case a seek lands past the first (MPEG-TS seeks by byte position and does).
   */
  private seekTargets(fromIndex: number): bigint[] {
    return this.index.keyframeIndices
      .filter((k) => k > 0 && k <= fromIndex)
      .slice(-SEEK_ATTEMPTS)
      .reverse()
      .map((k) => this.index.pts[k]!);
  }
}

async function openDemuxer(input: string): Promise<Demuxer> {
  try {
    // A stalled server must end in an error, not a job that hangs forever: 30 s without a byte.
    const options = isUrl(input) ? { rw_timeout: String(NETWORK_TIMEOUT_US) } : undefined;
    return await Demuxer.open(input, { copyTs: true, options });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // The header says what the file claims to be: a known container that will not open is a damaged
    // or truncated video (an MP4 cut before its moov), anything else is not media at all.
    // Probe the bytes, not the path: given a path FFmpeg also trusts the file name's extension.
    const probed = isUrl(input) ? null : await Demuxer.probeFormat(await readHead(input)).catch(() => null);
    if (probed && VIDEO_CONTAINERS.test(probed.format)) {
      throw new KadrError(
        'KADR_ERR_INPUT_CORRUPT',
        `${input}: a damaged or truncated ${probed.format} file (${reason})`,
        {
          cause: error,
          hint: 're-export or re-upload the complete file',
        },
      );
    }
    throw new KadrError(
      'KADR_ERR_INPUT_NOT_MEDIA',
      `${input}: not a media file FFmpeg can read (${reason})`,
      {
        cause: error,
        hint: 'give a video file such as MP4, MKV, MOV, AVI or TS',
      },
    );
  }
}

async function readHead(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(PROBE_BYTES), 0, PROBE_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function videoStream(demuxer: Demuxer, input: string): Stream {
  const stream = selectVideoStream(demuxer);
  if (!stream) throw new KadrError('KADR_ERR_INPUT_NO_VIDEO', `${input}: the file has no video stream`);
  return stream;
}
