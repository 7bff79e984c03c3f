/**
 * One WHIP session (docs/ingest.md, "A browser's webcam over WHIP"): a sender's H.264 units, as its
 * RTP carried them (nothing decoded or encoded again), become one recording in the object store (the
 * recorder's SegmentWriter: fMP4 through the spool, with the frame index beside it) and a StreamHub
 * that live viewers subscribe to.
 *  - Each unit's PTS is its RTP timestamp unwrapped, in 90 kHz ticks: the sender's frame times as it
 *    stamped them. WebRTC's H.264 has no B-frames (decode order is presentation order), so DTS = PTS;
 *    a unit whose timestamp does not move forward is dropped (counted).
 *  - Each unit's wallclock is the sender's, from its RTCP sender reports. The first report comes a
 *    moment after the first frames (aiortc: 0.5-1.5 s; Chromium: about 1 s), so the recording holds
 *    units back for up to HOLD_MS and then stamps them from that first report too: the index then
 *    has the sender's clock for every frame (wallclockFrom 'rtcp'). A sender that sends none gets
 *    kadr's receive times.
 *  - Recording starts at the first keyframe with SPS and PPS; the publisher asks for one (PLI).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/logger.js';
import type { MediaUnit } from '../../core/media-unit.js';
import {
  SegmentWriter,
  streamFromKeyframe,
  type RecordingStore,
  type SegmentOutcome,
  type SegmentSummary,
} from '../../recorder/index.js';
import { PacketPool, StreamHub, type LiveStreamInfo } from '../../streams/index.js';
import type { WhipPublisher, WhipSink } from '../../webrtc/index.js';
import type { IngestRecording } from './ingest-session.js';
import type { PushLink } from './push-camera-port.js';

/** How long units wait for the sender's first RTCP sender report before they are recorded. */
const HOLD_MS = 3000;
const TICKS_90K = { num: 1, den: 90000 };

export type WhipState = 'connecting' | 'live' | 'finished' | 'spooled' | 'failed';

export interface WhipStatus {
  id: string;
  name: string;
  state: WhipState;
  createdAt: string;
  frames: number;
  /** Units dropped: before the first keyframe, or with a timestamp that did not move forward. */
  dropped: number;
  lostPackets: number;
  keyframeRequests: number;
  width: number | null;
  height: number | null;
  endReason: string | null;
  recording: IngestRecording | null;
  error: string | null;
  viewers: number;
}

export interface WhipSessionDeps {
  store: RecordingStore;
  spoolDir: string;
  log: Logger;
  onSpooled: (journal: string) => void;
  /** The push camera the session is (its units go to the camera's hub); null without a registry. */
  link: PushLink | null;
  /** The recording is stored: it becomes the camera's segment (before the session answers). */
  onStored: (summary: SegmentSummary) => Promise<void>;
}

export class WhipSession {
  readonly id = randomUUID();
  readonly createdAtMs = Date.now();
  readonly hub = new StreamHub<MediaUnit>();
  state: WhipState = 'connecting';
  endReason: string | null = null;
  endedAtMs: number | null = null;
  frames = 0;
  dropped = 0;
  private publisher: WhipPublisher | null = null;
  private track: LiveStreamInfo | null = null;
  private segment: SegmentWriter | null = null;
  private readonly pool = new PacketPool();
  private held: MediaUnit[] = [];
  private holdSinceMs: number | null = null;
  private lastPts: bigint | null = null;
  private recording: IngestRecording | null = null;
  private error: string | null = null;
  private ending: Promise<IngestRecording | null> | null = null;
  private readonly log: Logger;

  readonly sink: WhipSink = {
    unit: (unit) => this.onUnit(unit),
    // Later, not inside the call: finish() itself closes the publisher, which reports here.
    closed: (reason) => queueMicrotask(() => void this.finish(reason).catch(() => undefined)),
  };

  constructor(
    readonly name: string,
    private readonly deps: WhipSessionDeps,
  ) {
    this.log = deps.log.child({ whip: this.id, name });
  }

  attach(publisher: WhipPublisher): void {
    this.publisher = publisher;
  }

  get open(): boolean {
    return this.state === 'connecting' || this.state === 'live';
  }

  stream(): LiveStreamInfo | null {
    return this.track;
  }

  /** Ends the session (the sender is disconnected) and stores what arrived; the same answer each time. */
  finish(reason: string): Promise<IngestRecording | null> {
    this.ending ??= this.end(reason);
    return this.ending;
  }

  status(): WhipStatus {
    return {
      id: this.id,
      name: this.name,
      state: this.state,
      createdAt: new Date(this.createdAtMs).toISOString(),
      frames: this.frames,
      dropped: this.dropped,
      lostPackets: this.publisher?.lostPackets ?? 0,
      keyframeRequests: this.publisher?.keyframeRequests ?? 0,
      width: this.track?.info.width ?? null,
      height: this.track?.info.height ?? null,
      endReason: this.endReason,
      recording: this.recording,
      error: this.error,
      viewers: this.hub.subscribers,
    };
  }

  private onUnit(received: MediaUnit): void {
    if (!this.open) return;
    if (!this.track) {
      this.track = received.key ? streamFromKeyframe(received) : null;
      if (!this.track?.track) {
        this.track = null;
        this.dropped++;
        return;
      }
      this.state = 'live';
      this.log.info('sender live', { width: this.track.info.width, height: this.track.info.height });
    }
    if (this.lastPts !== null && received.pts <= this.lastPts) {
      this.dropped++;
      return;
    }
    this.lastPts = received.pts;
    // A copy: the depacketizer reuses its buffer, the hub shares this one with every viewer.
    const unit: MediaUnit = {
      ...received,
      timeBase: TICKS_90K,
      dts: received.pts,
      data: Buffer.from(received.data),
    };
    this.hub.publish(unit);
    this.held.push(unit);
    this.holdSinceMs ??= Date.now();
    if (unit.ntpMs === null && Date.now() - this.holdSinceMs < HOLD_MS) return;
    try {
      this.release();
    } catch (error) {
      // The muxer or the spool refused (an internal fault): what is recorded so far is kept.
      this.error = (error as Error).message;
      this.log.error('recording failed', { error: this.error });
      void this.finish('error').catch(() => undefined);
    }
  }

  /** Records the units held back, with the sender's wallclock where a sender report gives it now. */
  private release(): void {
    for (const unit of this.held) {
      const ntpMs =
        unit.ntpMs ??
        (unit.rtpTimestamp !== undefined ? this.publisher?.wallclockMs(unit.rtpTimestamp) : null);
      this.record({ ...unit, ntpMs: ntpMs ?? null });
    }
    this.held = [];
  }

  private record(unit: MediaUnit): void {
    const packet = this.pool.fill(unit);
    try {
      const cameraUnit = { ...unit, data: packet, ptsEstimated: false };
      if (!this.segment) {
        const startMs = unit.ntpMs ?? unit.receivedAtMs;
        const name = `${new Date(startMs).toISOString().replace(/:/g, '-')}-${this.id.slice(0, 8)}`;
        const prefix = `ingest/${this.name}/${name}`;
        this.segment = new SegmentWriter(
          this.track!.track!,
          {
            key: `${prefix}.mp4`,
            indexKey: `${prefix}.index.json`,
            source: `whip:${this.name}`,
            codec: 'h264',
            width: this.track!.info.width,
            height: this.track!.info.height,
            timeBase: TICKS_90K,
            connection: 1,
            startedAtMs: Date.now(),
            startReason: 'connect',
            gapBefore: null,
            droppedBeforeKeyframe: this.dropped,
          },
          cameraUnit,
          {
            store: this.deps.store,
            spoolDir: this.deps.spoolDir,
            fsync: true,
            fragmentDurationMs: 1000,
            maxLiveBacklogBytes: 64 << 20,
            logger: this.log,
          },
        );
      } else this.segment.write(cameraUnit);
      this.frames++;
      // With the sender's wallclock: the camera's restream, analytics and live views see its clock.
      this.deps.link?.unit(unit);
    } finally {
      this.pool.recycle(packet);
    }
  }

  private async end(reason: string): Promise<IngestRecording | null> {
    this.endReason = reason;
    this.publisher?.close(reason);
    try {
      if (this.held.length > 0) this.release();
    } catch (error) {
      this.error = (error as Error).message;
    }
    this.hub.finish();
    await this.deps.link?.end(reason);
    const segment = this.segment;
    this.segment = null;
    this.pool.close();
    if (!segment) {
      this.settle('finished');
      this.log.info('session ended without a keyframe: nothing recorded', { reason });
      return null;
    }
    let outcome: SegmentOutcome;
    try {
      outcome = await segment.finish('end-of-stream', null);
    } catch (error) {
      outcome = { stored: false, journal: segment.abandon(), reason: (error as Error).message };
    }
    if (!outcome.stored) {
      this.error = `the store did not take the recording (${outcome.reason}); it is kept in the spool and stored when the store is back`;
      this.deps.onSpooled(outcome.journal);
      this.settle('spooled');
      return null;
    }
    const summary = outcome.summary;
    await this.deps.onStored(summary);
    this.recording = {
      key: this.deps.store.describe(summary.key),
      objectKey: summary.key,
      indexKey: summary.indexKey,
      frames: summary.frames,
      firstFrameTime: new Date(summary.firstWallclockMs).toISOString(),
      lastFrameTime: new Date(summary.lastWallclockMs).toISOString(),
      width: this.track!.info.width,
      height: this.track!.info.height,
      bytes: summary.bytes,
    };
    this.settle('finished');
    this.log.info('session finished', { reason, frames: this.frames, key: summary.key });
    return this.recording;
  }

  private settle(state: WhipState): void {
    this.state = state;
    this.endedAtMs = Date.now();
  }
}
