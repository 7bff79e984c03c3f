/**
 * Pulling one video stream from an RTSP source with libavformat (node-av), without decoding.
 *
 * What this adds on top of `Demuxer.open(url)` (shared/reference/media README §4):
 *  - our own async `readFrame()` loop: the async `packets()` generator busy-waits (trap 2);
 *  - `copyTs: true`, so the PTS that comes out is libavformat's RTP timestamp minus the session base,
 *    unwrapped through 32-bit wraps (rtpdec.c adds `(int32_t)(ts - last_ts)` to a 64-bit counter);
 *  - the timestamp repair: the first access unit comes out without pts, and with B-frames the first
 *    `has_b_frames` packets come without dts (libav-rtsp-repair.ts);
 *  - the camera's wallclock: libavformat tags packets with AV_PKT_DATA_PRFT (µs since 1970, from the last
 *    RTCP sender report) once an SR has arrived (libav-rtsp-wallclock.ts).
 */
import '../core/polyfill.js';
import { Demuxer } from 'node-av/api';
import { Packet } from 'node-av/lib';
import { AVERROR_EOF, AV_NOPTS_VALUE, AV_PKT_DATA_PRFT } from 'node-av/constants';
import type { Stream } from 'node-av/lib';
import { KadrError } from '../core/errors.js';
import { redactUrl } from '../core/redact-url.js';
import type { CameraPullOptions, CameraUnit, CameraVideoInfo, PullEnd } from './camera-unit.js';
import { repairLeadingTimestamps, type HeldUnit } from './libav-rtsp-repair.js';
import { WallclockTracker } from './libav-rtsp-wallclock.js';

export class LibavRtspPull {
  readonly info: CameraVideoInfo;
  /** libavformat derives dts itself (compute_pkt_fields). */
  readonly dtsFromPts = false;
  readonly kind = 'libavformat';
  private readonly held: HeldUnit[] = [];
  private ready: CameraUnit[] = [];
  private repaired = false;
  private readonly wallclock = new WallclockTracker();
  private ended: PullEnd | null = null;
  private closed = false;
  private detach: () => void = () => {};
  /** One packet kept for the next read: a new native packet per frame costs allocations and GC. */
  private spare: Packet | null = null;

  private constructor(
    private readonly demuxer: Demuxer,
    readonly stream: Stream,
  ) {
    const par = stream.codecpar;
    const seconds = demuxer.duration;
    this.info = {
      codec: codecName(stream),
      durationMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null,
      width: par.width,
      height: par.height,
      timeBase: { num: stream.timeBase.num, den: stream.timeBase.den },
    };
  }

  static async open(url: string, options: CameraPullOptions): Promise<LibavRtspPull> {
    const timeoutUs = String(Math.round((options.timeoutMs ?? 5000) * 1000));
    let demuxer: Demuxer;
    try {
      demuxer = await Demuxer.open(url, {
        copyTs: true,
        options: { rtsp_transport: options.transport, timeout: timeoutUs },
        signal: options.signal,
      });
    } catch (error) {
      throw new KadrError(
        'KADR_ERR_INPUT_UNREADABLE',
        `cannot open ${redactUrl(url)}: ${(error as Error).message}`,
        {
          hint: 'check that the RTSP source is running and the URL and transport are right',
          cause: error,
        },
      );
    }
    const stream = demuxer.video();
    if (!stream) {
      await demuxer.close();
      throw new KadrError('KADR_ERR_INPUT_NO_VIDEO', `${redactUrl(url)} has no video stream`);
    }
    const input = new LibavRtspPull(demuxer, stream);
    const signal = options.signal;
    if (signal) {
      // A recorder reconnects for days on one signal: the listener must go with the connection.
      const onAbort = () => input.interrupt();
      signal.addEventListener('abort', onAbort, { once: true });
      input.detach = () => signal.removeEventListener('abort', onAbort);
    }
    return input;
  }

  /** The track for the muxer. */
  get track(): Stream {
    return this.stream;
  }

  /** Frames the decoder may reorder, as libavformat found it (has_b_frames). */
  get reorderDepth(): number {
    return this.stream.codecpar.videoDelay;
  }

  /** Why reading stopped, once read() has returned null. */
  get end(): PullEnd | null {
    return this.ended;
  }

  /** The next access unit of the video stream in decode order, or null at the end (see `end`). */
  async read(): Promise<CameraUnit | null> {
    while (this.ready.length === 0) {
      if (this.ended || this.closed) return this.flushHeld();
      const packet = this.spare ?? new Packet();
      if (this.spare) this.spare = null;
      else packet.alloc();
      let ret: number;
      try {
        ret = await this.demuxer.getFormatContext().readFrame(packet);
      } catch (error) {
        packet.free();
        this.ended = { kind: 'error', code: -1, message: (error as Error).message };
        continue;
      }
      if (ret < 0) {
        packet.free();
        this.ended =
          ret === AVERROR_EOF
            ? { kind: 'eof' }
            : { kind: 'error', code: ret, message: `libavformat error ${ret}` };
        continue;
      }
      if (packet.streamIndex !== this.stream.index) {
        // Audio and other streams are not recorded; keep the packet for the next read.
        packet.unref();
        this.spare = packet;
        continue;
      }
      this.accept(packet);
    }
    return this.ready.shift() ?? null;
  }

  /** Gives a unit's packet back once written, for the next read to reuse. */
  recycle(packet: Packet): void {
    if (this.spare || this.closed) {
      packet.free();
      return;
    }
    packet.unref();
    this.spare = packet;
  }

  /** Unblocks a pending read (abort, shutdown); read() then returns null. */
  interrupt(): void {
    if (this.closed) return;
    if (!this.ended) this.ended = { kind: 'eof' };
    this.demuxer.getFormatContext().interrupt();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.detach();
    for (const u of this.ready) u.data.free();
    for (const h of this.held) h.packet.free();
    this.ready = [];
    this.held.length = 0;
    this.spare?.free();
    this.spare = null;
    await this.demuxer.close();
  }

  private accept(packet: Packet): void {
    const receivedAtMs = performance.timeOrigin + performance.now();
    const prft = packet.getSideData(AV_PKT_DATA_PRFT);
    const prftUs = prft && prft.length >= 8 ? prft.readBigInt64LE(0) : null;
    const unit: HeldUnit = {
      packet,
      pts: packet.pts === AV_NOPTS_VALUE ? null : packet.pts,
      dts: packet.dts === AV_NOPTS_VALUE ? null : packet.dts,
      key: packet.isKeyframe,
      receivedAtMs,
      prftUs,
    };
    if (this.repaired) {
      this.emit(unit);
      return;
    }
    this.held.push(unit);
    if (repairLeadingTimestamps(this.held, this.info.timeBase)) {
      this.repaired = true;
      for (const u of this.held.splice(0)) this.emit(u);
    }
  }

  /** At the end of the stream: whatever is held and still lacks timestamps is dropped, not guessed. */
  private flushHeld(): CameraUnit | null {
    for (const u of this.held.splice(0)) {
      if (u.pts !== null && u.dts !== null) this.emit(u);
      else u.packet.free();
    }
    return this.ready.shift() ?? null;
  }

  private emit(u: HeldUnit): void {
    const pts = u.pts ?? 0n;
    const dts = u.dts ?? pts;
    u.packet.pts = pts;
    u.packet.dts = dts;
    const ntpMs = this.wallclock.observe(pts, u.prftUs, this.info.timeBase);
    this.ready.push({
      timeBase: this.info.timeBase,
      data: u.packet,
      pts,
      dts,
      key: u.key,
      receivedAtMs: u.receivedAtMs,
      ntpMs,
      ptsEstimated: u.ptsEstimated ?? false,
    });
  }
}

function codecName(stream: Stream): string {
  const id = stream.codecpar.codecId as number;
  // AV_CODEC_ID_H264 = 27, AV_CODEC_ID_HEVC = 173; the names kadr uses elsewhere (STYLE §3.7).
  if (id === 27) return 'h264';
  if (id === 173) return 'hevc';
  return `codec-${id}`;
}
