/**
 * One shared encoder for one stream at one lower quality (a rendition): it subscribes to the stream's
 * own hub like any other consumer, decodes, scales and encodes H.264 (media/live-transcoder.ts), and
 * publishes on a hub of its own, which any number of viewers subscribe to.
 *
 * Times: every unit published carries the pts, time base, wallclock (ntpMs), receive time and RTP
 * timestamp of the source unit its picture came from, so a frame has the same time in every rendition
 * and in the recording. Keyframes: one at each source keyframe (a viewer joining the rendition joins
 * where a viewer of the original would) and one on requestKeyframe() (a viewer lost pictures).
 *
 * Faults pass through: a gap mark in the source (the camera reconnected) drains the pictures still in
 * the encoder, is marked on the rendition's hub, and the chain starts again at the next source
 * keyframe with the new connection's parameters; a source keyframe whose pts is not after the previous
 * one (timestamps from a new base without a mark) does the same, marked as a discontinuity.
 *
 * Falling behind (the encoder slower than real time): when more than `maxBacklogUnits` source units
 * wait, they are dropped up to the next keyframe and counted (droppedUnits). The camera's other
 * consumers never wait for it: the source hub does not wait for any subscriber (stream-hub.ts).
 */
import { type Logger, silentLogger } from '../core/logger.js';
import type { MediaUnit } from '../core/media-unit.js';
import { LiveTranscoder, type EncodedPicture } from '../media/index.js';
import { annexBExtradata, splitAnnexB } from '../rtp/index.js';
import type { LiveStreamInfo } from './live-camera.js';
import { StreamHub, type HubSubscription } from './stream-hub.js';

/** What a rendition is made from: a stream's own units and parameters (a camera of LiveCameras). */
export interface RenditionSource {
  acquire(consumer: string): HubSubscription<MediaUnit>;
  stream(): LiveStreamInfo | null;
  /** Frames per second measured from the stream's pts; null before it is known. */
  fps(): number | null;
}

export interface RenditionSpec {
  /** The quality's name: "480p", or "h264" (an H.265 source at its own size). */
  quality: string;
  /** Output height; null: the source's. */
  height: number | null;
  /** x264 preset. */
  preset: string;
  crf: number;
  /** Bitrate ceiling (VBV) for this height. */
  maxRateBps: number;
}

export interface RenditionOptions {
  /** The encoder stops this long after its last viewer left (default 10 s). */
  lingerMs?: number;
  /** Source units waiting beyond this: the rendition is behind and skips to the next keyframe. */
  maxBacklogUnits?: number;
  logger?: Logger;
  /** Called once when the rendition has stopped (its hub is finished). */
  onStopped?: () => void;
}

/** Picture-loss requests closer together than this give one keyframe (browsers repeat them). */
const KEYFRAME_REQUEST_MIN_INTERVAL_MS = 500;
/** Source units remembered by pts until their picture comes out (a decoder holds a few back). */
const MAX_PENDING_UNITS = 128;
/** x264's own keyframe interval when the source sends none for that long (frames). */
const FALLBACK_GOP_FRAMES = 300;

export class Rendition {
  readonly hub = new StreamHub();
  /** Source units dropped because the encoder fell behind (up to the next keyframe each time). */
  droppedUnits = 0;
  /** Pictures encoded since the start. */
  encodedPictures = 0;
  private viewers = 0;
  private lingerTimer: NodeJS.Timeout | null = null;
  private upstream: HubSubscription<MediaUnit> | null = null;
  private info: LiveStreamInfo | null = null;
  private forceKey = false;
  private lastKeyRequestMs = -Infinity;
  private stopped = false;
  private readonly log: Logger;
  private readonly done: Promise<void>;

  constructor(
    readonly name: string,
    readonly spec: RenditionSpec,
    private readonly source: RenditionSource,
    private readonly o: RenditionOptions = {},
  ) {
    this.log = (o.logger ?? silentLogger).child({ rendition: `${name} ${spec.quality}` });
    this.upstream = source.acquire(`rendition ${spec.quality}`);
    this.done = this.run(this.upstream);
  }

  /** Whether the encoder still runs (false once stopped: a new viewer needs a new Rendition). */
  get running(): boolean {
    return !this.stopped;
  }

  /** A viewer: a subscription to the rendition's hub (joining at a keyframe); close() leaves. */
  subscribe(): HubSubscription<MediaUnit> {
    this.viewers++;
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = null;
    }
    const sub = this.hub.subscribe();
    sub.onClose = () => {
      this.viewers--;
      if (this.viewers === 0 && !this.stopped) {
        this.lingerTimer = setTimeout(() => void this.stop(), this.o.lingerMs ?? 10_000);
        this.lingerTimer.unref();
      }
    };
    return sub;
  }

  /** The rendition's codec parameters (from its latest keyframe); null before its first picture. */
  stream(): LiveStreamInfo | null {
    return this.info;
  }

  /** The next picture becomes a keyframe (a viewer's picture-loss request); repeats are merged. */
  requestKeyframe(): void {
    const now = performance.now();
    if (now - this.lastKeyRequestMs < KEYFRAME_REQUEST_MIN_INTERVAL_MS) return;
    this.lastKeyRequestMs = now;
    this.forceKey = true;
  }

  /** Stops the encoder and ends the hub (its viewers read null); resolves when the chain is freed. */
  async stop(): Promise<void> {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    this.stopped = true;
    this.upstream?.close();
    await this.done;
  }

  private async run(sub: HubSubscription<MediaUnit>): Promise<void> {
    const maxBacklog = this.o.maxBacklogUnits ?? 15;
    const pending = new Map<bigint, MediaUnit>();
    let chain: LiveTranscoder | null = null;
    let skipping = false;
    let inStep = false;
    let lastKeyPts: bigint | null = null;
    let error: string | null = null;
    const publish = (pictures: EncodedPicture[]) => {
      for (const p of pictures) this.publish(p, pending, chain);
    };
    const reset = async () => {
      if (!chain) return;
      const last = chain;
      try {
        publish(await last.drain());
      } finally {
        last.close();
        chain = null;
        pending.clear();
      }
    };
    this.log.info('rendition started');
    try {
      for (;;) {
        const item = await sub.next();
        if (!item) break;
        if (item.kind === 'gap') {
          await reset();
          lastKeyPts = null;
          inStep = false;
          this.hub.gap(item.gap);
          continue;
        }
        const unit = item.unit;
        // A subscription starts with the group of pictures the hub kept (up to a few seconds): that is
        // caught up with, not dropped, so that the first picture comes out at once. Falling behind
        // counts from the time the rendition has been in step.
        if (sub.queued <= maxBacklog) inStep = true;
        else if (inStep && chain && !skipping) skipping = true;
        if (skipping || !chain) {
          if (!unit.key) {
            if (skipping) this.droppedUnits++;
            continue;
          }
          skipping = false;
        }
        if (unit.key && chain && lastKeyPts !== null && unit.pts <= lastKeyPts) {
          // Timestamps from a new base without a gap mark: what follows does not continue the stream.
          await reset();
          this.hub.discontinuity();
        }
        if (unit.key) lastKeyPts = unit.pts;
        if (!chain) {
          chain = await this.openChain(unit);
          if (!chain) break;
        }
        pending.set(unit.pts, unit);
        while (pending.size > MAX_PENDING_UNITS) pending.delete(pending.keys().next().value!);
        const force = this.forceKey;
        this.forceKey = false;
        publish(await chain.push(unit.data, unit.pts, unit.key, force));
      }
      await reset();
    } catch (e) {
      error = (e as Error).message;
      this.log.warn('rendition failed', { error });
    } finally {
      (chain as LiveTranscoder | null)?.close();
      this.stopped = true;
      if (this.lingerTimer) clearTimeout(this.lingerTimer);
      sub.close();
      this.hub.finish(error === null ? { kind: 'eof' } : { kind: 'error', message: error });
      this.log.info('rendition stopped', { dropped: this.droppedUnits, pictures: this.encodedPictures });
      this.o.onStopped?.();
    }
  }

  private async openChain(first: MediaUnit): Promise<LiveTranscoder | null> {
    const stream = this.source.stream();
    const codec = stream?.info.codec;
    if (codec !== 'h264' && codec !== 'hevc') {
      throw new Error(`cannot transcode ${codec ?? 'an unknown codec'} (H.264 and H.265 only)`);
    }
    const sets = stream?.info.parameterSets ?? [];
    return LiveTranscoder.open({
      codec,
      ...(sets.length > 0 ? { extradata: annexBExtradata(sets) } : {}),
      timeBase: first.timeBase,
      height: this.spec.height,
      frameRate: this.source.fps() ?? undefined,
      // One thread holds no frame back; above 1080p (a 4K camera) a second keeps decoding in real time.
      decoderThreads: (stream?.info.height ?? 0) > 1088 ? 2 : 1,
      encoder: {
        preset: this.spec.preset,
        crf: this.spec.crf,
        maxRateBps: this.spec.maxRateBps,
        gopSize: FALLBACK_GOP_FRAMES,
        sceneCut: false,
      },
    });
  }

  private publish(
    picture: EncodedPicture,
    pending: Map<bigint, MediaUnit>,
    chain: LiveTranscoder | null,
  ): void {
    const from = pending.get(picture.pts);
    if (!from) {
      // Cannot happen with pts passed through; a picture without its source time is never published.
      this.log.warn('picture without its source unit', { pts: String(picture.pts) });
      return;
    }
    pending.delete(picture.pts);
    if (picture.key && chain) this.noteParameters(picture, from, chain);
    this.encodedPictures++;
    this.hub.publish({
      timeBase: from.timeBase,
      pts: from.pts,
      // No B-frames: pictures come out in presentation order, each decodable when it arrives.
      dts: from.pts,
      key: picture.key,
      ntpMs: from.ntpMs,
      receivedAtMs: from.receivedAtMs,
      ...(from.rtpTimestamp !== undefined ? { rtpTimestamp: from.rtpTimestamp } : {}),
      data: picture.data,
    });
  }

  private noteParameters(picture: EncodedPicture, from: MediaUnit, chain: LiveTranscoder): void {
    const sets = splitAnnexB(picture.data).filter((n) => {
      const type = n[0]! & 0x1f;
      return type === 7 || type === 8;
    });
    if (sets.length === 0) return;
    const known = this.info?.info.parameterSets;
    if (known && known.length === sets.length && known.every((s, i) => s.equals(sets[i]!))) return;
    const owned = sets.map((s) => Buffer.from(s));
    this.info = {
      info: {
        codec: 'h264',
        durationMs: null,
        width: chain.width,
        height: chain.outHeight,
        timeBase: from.timeBase,
        parameterSets: owned,
      },
      track: {
        codec: 'h264',
        extradata: annexBExtradata(owned),
        width: chain.width,
        height: chain.outHeight,
        timeBase: from.timeBase,
      },
      dtsFromPts: true,
      reorderDepth: 0,
    };
  }
}
