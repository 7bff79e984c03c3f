/**
 * A live camera connected once and fanned out: one pull at a time from the source (reconnected by a
 * SourceSupervisor when it drops), each access unit published once on a StreamHub that any number of
 * consumers subscribe to. The pull's packets are recycled at once, so each unit's bytes are copied out
 * into a Buffer the hub's subscribers share (the hub needs units that own their bytes). When a
 * connection that delivered units is lost, the hub gets a gap mark (stream-hub.ts) at once, so that a
 * recorder ends its segment there and marks the gap with its reason.
 */
import type { Packet } from 'node-av/lib';
import { type Logger, silentLogger } from '../core/logger.js';
import type { MediaUnit } from '../core/media-unit.js';
import type { Fmp4TrackSpec } from '../media/index.js';
import type { CameraUnit, CameraVideoInfo, PullEnd } from './camera-unit.js';
import { SourceSupervisor } from './source-supervisor.js';
import { StreamHub, type StreamHubOptions } from './stream-hub.js';

/** One connection to a live source (camera-pull.ts's CameraPull is one). */
export interface LivePull {
  readonly info: CameraVideoInfo;
  readonly end: PullEnd | null;
  /** The track for a muxer (codec parameters; a demuxer's stream is not handed on). */
  readonly track?: Fmp4TrackSpec | object;
  /** Whether the units' dts are only their pts (RTP carries no dts). */
  readonly dtsFromPts?: boolean;
  /** Frames a decoder may reorder: the depth for rebuilding dts from pts. */
  readonly reorderDepth?: number;
  read(): Promise<CameraUnit | null>;
  /** Hand each unit over as it arrives rather than in paced batches (a pull that batches reads). */
  setReadAtOnce?(on: boolean): void;
  recycle(packet: Packet): void;
  close(): Promise<void>;
}

/** A source that can be connected again after a loss (rtsp-camera-source.ts's RtspCameraSource). */
export interface LiveSource {
  readonly name: string;
  connect(signal: AbortSignal): Promise<LivePull>;
  probe(): Promise<boolean>;
  /** After an end of stream from a source that announced a length: is it still up (so it ended)? */
  stillThere(): Promise<boolean>;
}

/** What a consumer that muxes the hub's units (the recorder) needs to know of the current connection. */
export interface LiveStreamInfo {
  info: CameraVideoInfo;
  /** Null when the connection's path hands over no codec parameters (libavformat's demuxer). */
  track: Fmp4TrackSpec | null;
  dtsFromPts: boolean;
  reorderDepth: number;
}

/** What happens to the connection, for a runtime that shows the camera's state (live-cameras.ts). */
export interface LiveCameraEvents {
  /** An attempt to connect begins (1 for the first). */
  connecting?(connection: number): void;
  /** Connected and playing. */
  connected?(info: CameraVideoInfo): void;
  /** Each unit, before it is published. */
  unit?(unit: MediaUnit): void;
  /** A connection that was made ended, and will be made again. */
  lost?(reason: string): void;
  /** An attempt could not connect (the message names no credentials); it will be tried again. */
  connectFailed?(message: string): void;
}

export interface LiveCameraOptions extends StreamHubOptions {
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  logger?: Logger;
  events?: LiveCameraEvents;
}

export class LiveCamera {
  readonly hub: StreamHub;
  private readonly log: Logger;
  /** Video info of the current (or last) connection; null before the first. */
  info: CameraVideoInfo | null = null;
  private pull: LivePull | null = null;
  private readAtOnce = false;

  constructor(
    private readonly source: LiveSource,
    private readonly options: LiveCameraOptions = {},
  ) {
    this.hub = new StreamHub(options);
    this.log = options.logger ?? silentLogger;
  }

  /**
   * Pulls until `signal` aborts or a source with a known length (a file behind RTSP) ends; then ends
   * the hub. A live source is reconnected whenever it drops.
   */
  async run(signal: AbortSignal): Promise<void> {
    const supervisor = new SourceSupervisor({
      signal,
      reconnectMinMs: this.options.reconnectMinMs,
      reconnectMaxMs: this.options.reconnectMaxMs,
      probe: () => this.source.probe(),
      logger: this.log,
    });
    const events = this.options.events ?? {};
    let error: string | null = null;
    try {
      await supervisor.run(
        async ({ connection }) => {
          events.connecting?.(connection);
          const pull = await this.source.connect(signal);
          this.info = pull.info;
          this.pull = pull;
          pull.setReadAtOnce?.(this.readAtOnce);
          this.log.info('connected', { source: this.source.name });
          // A new connection does not continue the last one: consumers start again at a keyframe.
          if (this.hub.published > 0) this.hub.discontinuity();
          events.connected?.(pull.info);
          let frames = 0;
          let last: number | null = null;
          try {
            for (;;) {
              const unit = await pull.read();
              if (!unit) break;
              frames++;
              last = unit.receivedAtMs;
              try {
                const own = owned(unit);
                events.unit?.(own);
                this.hub.publish(own);
              } finally {
                pull.recycle(unit.data);
              }
            }
          } finally {
            await pull.close();
          }
          const end = pull.end ?? { kind: 'eof' };
          if (signal.aborted) return { kind: 'done' };
          if (end.kind === 'eof' && pull.info.durationMs !== null && (await this.source.stillThere())) {
            return { kind: 'done' };
          }
          const reason = end.kind === 'error' ? end.message : 'connection closed by the source';
          this.log.warn('source lost', { source: this.source.name, error: reason });
          if (last !== null) this.hub.gap({ fromMs: last, reason });
          events.lost?.(reason);
          return { kind: 'lost', reason, framesReceived: frames, lastReceivedAtMs: last };
        },
        async (e) => {
          events.connectFailed?.((e as Error).message);
        },
      );
    } catch (e) {
      error = (e as Error).message;
      throw e;
    } finally {
      this.hub.finish(error === null ? { kind: 'eof' } : { kind: 'error', message: error });
    }
  }

  /**
   * Whether somebody watches the camera live: its units are then read as they arrive, not in the
   * paced batches that suit a recording (rtsp-client.ts setReadAtOnce). Kept across reconnections.
   */
  setReadAtOnce(on: boolean): void {
    this.readAtOnce = on;
    this.pull?.setReadAtOnce?.(on);
  }

  /** The current (or last) connection's stream, as a muxer needs it; null before the first. */
  stream(): LiveStreamInfo | null {
    const pull = this.pull;
    if (!pull) return null;
    const track = pull.track;
    return {
      info: pull.info,
      // A demuxer's Stream belongs to its pull and dies with it: only codec parameters are handed on.
      track: track && 'extradata' in track ? (track as Fmp4TrackSpec) : null,
      dtsFromPts: pull.dtsFromPts ?? true,
      reorderDepth: pull.reorderDepth ?? 15,
    };
  }
}

/** The unit with its bytes copied out of the packet (which goes back to the pull for reuse). */
function owned(unit: CameraUnit): MediaUnit {
  return {
    timeBase: unit.timeBase,
    pts: unit.pts,
    dts: unit.dts,
    key: unit.key,
    ntpMs: unit.ntpMs,
    receivedAtMs: unit.receivedAtMs,
    rtpTimestamp: unit.rtpTimestamp,
    data: unit.bytes ?? Buffer.from(unit.data.data ?? Buffer.alloc(0)),
  };
}
