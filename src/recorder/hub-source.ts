/**
 * The recorder reading a live camera's stream hub (streams/stream-hub.ts) instead of opening the camera
 * itself: the camera stays connected once, whoever else watches it. One subscription serves the whole
 * recording; a "connection" of the recorder (RecorderInput) lasts from one upstream connection's first
 * unit to the hub's next gap mark, so that the recorder's own machinery does the rest: the segment
 * ends there (`source-lost`), and the first segment after it carries `gapBefore` with the reason the
 * upstream gave (recorder.ts, recorder-instance.ts). The subscription queues what arrives meanwhile.
 *
 * Each unit's bytes are copied once, into a reused node-av Packet for the muxer: the hub's units are
 * shared with the other subscribers and must not be changed.
 */
import '../core/polyfill.js';
import type { Packet } from 'node-av/lib';
import { KadrError } from '../core/errors.js';
import type { MediaUnit } from '../core/media-unit.js';
import type {
  CameraUnit,
  CameraVideoInfo,
  HubSubscription,
  LiveStreamInfo,
  PullEnd,
} from '../streams/index.js';
import { PacketPool } from '../streams/index.js';
import { streamFromKeyframe } from './in-band-track.js';
import type { RecorderInput, RecorderSource } from './recorder-source.js';

export interface HubRecorderSourceOptions {
  /** For logs and segment headers: no credentials. */
  name: string;
  /** Subscribes to the camera's hub; may throw when the camera is gone (the recorder retries). */
  open: () => HubSubscription<MediaUnit>;
  /**
   * The current upstream connection's stream (LiveCamera.stream()). Without it (or when it says
   * nothing) the parameter sets the keyframes carry in-band are used (in-band-track.ts).
   */
  stream?: () => LiveStreamInfo | null;
}

/**
 * Back-off the recorder should use over a hub (RecorderOptions.reconnectMinMs): after a gap the next
 * "connection" is the same subscription, whose units are already queued, so waiting longer only
 * delays the new segment.
 */
export const HUB_RECONNECT_MIN_MS = 50;

/** A unit of `sub`'s next connection, or why there is none. */
type First = { unit: MediaUnit } | { end: string };

export function hubRecorderSource(options: HubRecorderSourceOptions): RecorderSource {
  return new HubRecorderSource(options);
}

class HubRecorderSource implements RecorderSource {
  readonly name: string;
  private sub: HubSubscription<MediaUnit> | null = null;

  constructor(private readonly o: HubRecorderSourceOptions) {
    this.name = o.name;
  }

  async connect(signal: AbortSignal): Promise<RecorderInput> {
    if (signal.aborted) throw new KadrError('KADR_ERR_INPUT_UNREADABLE', `${this.name}: recording stopped`);
    this.sub ??= this.o.open();
    const sub = this.sub;
    const onAbort = () => {
      sub.close();
      if (this.sub === sub) this.sub = null;
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const first = await this.first(sub);
    if ('end' in first) {
      signal.removeEventListener('abort', onAbort);
      if (this.sub === sub) this.sub = null;
      sub.close();
      throw new KadrError('KADR_ERR_INPUT_UNREADABLE', `${this.name}: ${first.end}`, {
        hint: 'the camera is not running: the recorder subscribes again',
      });
    }
    const stream = this.described() ?? streamFromKeyframe(first.unit);
    if (!stream?.track) {
      onAbort();
      signal.removeEventListener('abort', onAbort);
      throw new KadrError(
        'KADR_ERR_CODEC_UNSUPPORTED',
        `${this.name}: recording from the live hub needs H.264 or H.265 received over RTP, with its parameter sets in-band or from the connection`,
        { hint: 'record the camera directly (kadr record URL) instead' },
      );
    }
    return new HubInput(
      sub,
      stream,
      first.unit,
      () => {
        signal.removeEventListener('abort', onAbort);
        if (sub !== this.sub) sub.close();
      },
      (lost) => {
        if (lost && this.sub === sub) this.sub = null;
      },
      () => this.described(),
    );
  }

  /** The runtime's description of the current connection, when it gives one with a track. */
  private described(): LiveStreamInfo | null {
    const stream = this.o.stream?.() ?? null;
    return stream?.track ? stream : null;
  }

  /** The first unit of the next connection; gap marks before it were reported by the input before. */
  private async first(sub: HubSubscription<MediaUnit>): Promise<First> {
    for (;;) {
      const item = await sub.next();
      if (!item) return { end: 'the camera stopped' };
      if (item.kind === 'unit') return { unit: item.unit };
    }
  }

  /** The hub is in this process: it is there as long as it can be subscribed to. */
  probe(): Promise<boolean> {
    return Promise.resolve(true);
  }

  stillThere(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

class HubInput implements RecorderInput {
  readonly kind = 'hub';
  readonly info: CameraVideoInfo;
  readonly dtsFromPts: boolean;
  readonly reorderDepth: number;
  end: PullEnd | null = null;
  private pending: MediaUnit | null;
  private readonly pool = new PacketPool();
  private closed = false;
  private firstTrack: NonNullable<LiveStreamInfo['track']>;

  constructor(
    private readonly sub: HubSubscription<MediaUnit>,
    stream: LiveStreamInfo,
    first: MediaUnit,
    private readonly onClose: () => void,
    private readonly onEnd: (hubEnded: boolean) => void,
    private readonly current: () => LiveStreamInfo | null,
  ) {
    // A live recording has no length, whatever the upstream announced: it is never "ended".
    this.info = { ...stream.info, durationMs: null };
    this.dtsFromPts = stream.dtsFromPts;
    this.reorderDepth = stream.reorderDepth;
    this.firstTrack = stream.track!;
    this.pending = first;
  }

  /** The parameter sets known now (in-band ones replace the SDP's), read when a segment starts. */
  get track(): NonNullable<LiveStreamInfo['track']> {
    return this.current()?.track ?? this.firstTrack;
  }

  /** Without a described stream: the latest in-band parameter sets (a camera may change its SPS). */
  private noteKeyframe(unit: MediaUnit): void {
    if (!unit.key || this.current()) return;
    const inBand = streamFromKeyframe(unit);
    if (inBand?.track) this.firstTrack = inBand.track;
  }

  async read(): Promise<CameraUnit | null> {
    if (this.closed || this.end) return null;
    let unit = this.pending;
    this.pending = null;
    while (!unit) {
      const item = await this.sub.next();
      if (!item) {
        this.end = { kind: 'error', code: -1, message: 'the camera stopped' };
        this.onEnd(true);
        return null;
      }
      if (item.kind === 'gap') {
        this.end = { kind: 'error', code: -1, message: item.gap.reason };
        this.onEnd(false);
        return null;
      }
      unit = item.unit;
    }
    this.noteKeyframe(unit);
    return {
      timeBase: unit.timeBase,
      // A copy: the hub's buffer is shared with every other subscriber.
      data: this.pool.fill(unit),
      pts: unit.pts,
      dts: unit.dts,
      key: unit.key,
      receivedAtMs: unit.receivedAtMs,
      ntpMs: unit.ntpMs,
      ptsEstimated: false,
      ...(unit.loss ? { loss: unit.loss } : {}),
    };
  }

  recycle(packet: Packet): void {
    this.pool.recycle(packet);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.pool.close();
    this.onClose();
    return Promise.resolve();
  }
}
