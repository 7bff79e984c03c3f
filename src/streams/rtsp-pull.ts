/**
 * Pulling one H.264 or H.265 stream from an RTSP source with kadr's own RTSP client and RTP
 * depacketizers (src/rtp), without libavformat's RTSP demuxer: the socket is read in whole chunks on
 * the JS thread, and each access unit becomes one node-av Packet (reused) for the fMP4 muxer. That is
 * one copy per frame and no thread hop, where the demuxer path costs an AsyncWorker hop and a libuv
 * pool thread per stream (docs/recording.md, Performance).
 *
 * Times: the pts is the RTP timestamp counted from the first unit (64-bit, through 32-bit wraps); RTP
 * carries no dts, so `dtsFromPts` tells the recorder to rebuild them with the SPS's reorder depth; the
 * wallclock comes straight from the last RTCP sender report. Unlike libavformat's path no pts is ever
 * an estimate: every RTP packet carries its timestamp.
 */
import '../core/polyfill.js';
import type { Packet } from 'node-av/lib';
import { ByteSlabs } from '../core/byte-slabs.js';
import { KadrError } from '../core/errors.js';
import type { MediaUnit } from '../core/media-unit.js';
import { redactUrl } from '../core/redact-url.js';
import { parseH264Sps, type VideoSpsInfo, parseHevcSps } from '../codecs/index.js';
import { annexBExtradata, RtpReceiver, rtpVideoCodec, parseSdpVideo } from '../rtp/index.js';
import { RtspClient } from '../rtsp/index.js';
import type { Fmp4TrackSpec } from '../media/index.js';
import type { CameraPullOptions, CameraUnit, CameraVideoInfo, PullEnd } from './camera-unit.js';
import { PacketPool } from './packet-pool.js';

/**
 * How long a UDP datagram waits for those before it before a gap counts as loss: a time, not a packet
 * count, so that a packet delayed past a keyframe burst is still put back (rtp-reorder.ts). As long
 * as libavformat's RTSP demuxer waits by default (max_delay 100 ms for RTSP over UDP).
 */
const UDP_REORDER_MS = 100;
/** With no SPS to say (or an unreadable one): deep enough for any H.264/H.265 stream. */
const UNKNOWN_REORDER_DEPTH = 15;

export class RtspPull {
  readonly info: CameraVideoInfo;
  readonly dtsFromPts = true;
  readonly kind = 'rtp';
  private ready: CameraUnit[] = [];
  private waiter: (() => void) | null = null;
  private ended: PullEnd | null = null;
  private closed = false;
  private readonly pool = new PacketPool();
  /** Where the units' own copies of their bytes go, when asked for (CameraPullOptions.bytes). */
  private slabs: ByteSlabs | null = null;
  private spsSeen: Buffer | null = null;
  private sps: VideoSpsInfo | null = null;
  private receiver!: RtpReceiver;

  private constructor(
    private readonly client: RtspClient,
    info: CameraVideoInfo,
  ) {
    this.info = info;
  }

  /**
   * Connects and starts playing; null (with nothing left open) when the source's video is not
   * H.264/H.265 in a packetization this path handles: the caller then uses libavformat's LibavRtspPull.
   */
  static async open(url: string, options: CameraPullOptions): Promise<RtspPull | null> {
    let client: RtspClient | null = null;
    try {
      client = await RtspClient.connect(url, {
        transport: options.transport,
        timeoutMs: options.timeoutMs ?? 5000,
        signal: options.signal,
      });
      const { sdp, baseUrl } = await client.describe();
      const track = parseSdpVideo(sdp, baseUrl);
      if (!track) {
        await client.close();
        throw new KadrError('KADR_ERR_INPUT_NO_VIDEO', `${redactUrl(url)} has no video stream`);
      }
      const codec = rtpVideoCodec(track);
      if (!codec) {
        await client.close();
        return null;
      }
      const input = new RtspPull(client, {
        codec,
        durationMs: track.durationMs,
        width: 0,
        height: 0,
        timeBase: { num: 1, den: track.clockRate },
      });
      if (options.bytes) input.slabs = new ByteSlabs();
      input.receiver = new RtpReceiver(track, {
        reorderDelayMs: options.transport === 'udp' ? UDP_REORDER_MS : 0,
        sendRtcp: (p) => client!.sendRtcp(p),
        onUnit: (u) => input.onUnit(u),
        onBye: () => input.finish({ kind: 'eof' }),
      });
      input.updateSps();
      await client.setup(track.controlUrl, {
        onRtp: (p) => input.receiver.rtp(p),
        onRtcp: (p) => input.receiver.rtcp(p),
        onEnd: (error) => {
          input.receiver.flush();
          // Like libavformat's path: a closed connection reads as the end; the recorder decides
          // whether the source ended or dropped (recorder-instance.ts sourceEnded).
          input.finish(error ? { kind: 'error', code: -1, message: error.message } : { kind: 'eof' });
        },
      });
      await client.play();
      return input;
    } catch (error) {
      await client?.close();
      if (error instanceof KadrError && error.code === 'KADR_ERR_INPUT_NO_VIDEO') throw error;
      throw new KadrError(
        'KADR_ERR_INPUT_UNREADABLE',
        `cannot open ${redactUrl(url)}: ${(error as Error).message}`,
        {
          hint: 'check that the RTSP source is running and the URL and transport are right',
          cause: error,
        },
      );
    }
  }

  get end(): PullEnd | null {
    return this.ready.length === 0 ? this.ended : null;
  }

  /** Frames a decoder may reorder (from the SPS): the depth for rebuilding dts from pts. */
  get reorderDepth(): number {
    return this.sps?.reorderFrames ?? UNKNOWN_REORDER_DEPTH;
  }

  /** The track as the muxer needs it, with the parameter sets known now (SDP or in-band). */
  get track(): Fmp4TrackSpec {
    return {
      codec: this.info.codec as 'h264' | 'hevc',
      extradata: annexBExtradata(this.receiver.depacketizer.parameterSets()),
      width: this.info.width,
      height: this.info.height,
      timeBase: this.info.timeBase,
    };
  }

  /** Packets lost on the way (sequence gaps), for logs. */
  get lostPackets(): number {
    return this.receiver.lostPackets;
  }

  /** RTCP keyframe requests (PLI/FIR) sent after losses. */
  get keyframeRequests(): number {
    return this.receiver.keyframeRequests;
  }

  async read(): Promise<CameraUnit | null> {
    while (this.ready.length === 0) {
      if (this.ended || this.closed) return null;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    return this.ready.shift()!;
  }

  /** Reads the socket at once instead of paced (rtsp-client.ts setReadAtOnce): somebody watches live. */
  setReadAtOnce(on: boolean): void {
    this.client.setReadAtOnce(on);
  }

  recycle(packet: Packet): void {
    this.pool.recycle(packet);
  }

  interrupt(): void {
    this.finish({ kind: 'eof' });
    void this.client.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.receiver.close();
    await this.client.close();
    for (const u of this.ready) u.data.free();
    this.pool.close();
    this.ready = [];
    this.wake();
  }

  private onUnit(u: MediaUnit): void {
    if (this.closed || this.ended) return;
    this.updateSps();
    // Copies: the depacketizer reuses its buffer for the next unit.
    this.ready.push({
      timeBase: u.timeBase,
      data: this.pool.fill(u),
      ...(this.slabs ? { bytes: this.slabs.copy(u.data) } : {}),
      pts: u.pts,
      dts: u.dts,
      key: u.key,
      receivedAtMs: u.receivedAtMs,
      ntpMs: u.ntpMs,
      rtpTimestamp: u.rtpTimestamp,
      ptsEstimated: false,
      loss: u.loss,
    });
    this.wake();
  }

  /** Reads the picture size and reorder depth from a new SPS (SDP or in-band). */
  private updateSps(): void {
    const sps = this.receiver.depacketizer.sps;
    if (!sps || sps === this.spsSeen) return;
    this.spsSeen = sps;
    this.info.parameterSets = this.receiver.depacketizer.parameterSets();
    try {
      this.sps = this.info.codec === 'h264' ? parseH264Sps(sps) : parseHevcSps(sps);
      this.info.width = this.sps.width;
      this.info.height = this.sps.height;
    } catch {
      // An SPS we cannot read: the muxer still gets it as is; dts get the deepest reorder window.
      this.sps = null;
    }
  }

  private finish(end: PullEnd): void {
    this.ended ??= end;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}
