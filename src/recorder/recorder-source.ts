/**
 * What the recorder consumes, declared here so that it opens no URL itself: a live source it can
 * connect to again after a loss (an RTSP camera: streams/rtsp-camera-source.ts), each connection
 * handing over access units with their packets for the muxer.
 */
import type { Packet } from 'node-av/lib';
import type { Fmp4TrackSource } from '../media/index.js';
import type { CameraUnit, CameraVideoInfo, PullEnd } from '../streams/index.js';

/** One connection's units. */
export interface RecorderInput {
  /** Which path reads it, for logs. */
  readonly kind: string;
  readonly info: CameraVideoInfo;
  /** The track for the muxer, as known once the first keyframe arrives. */
  readonly track: Fmp4TrackSource;
  /** Whether the units' dts are only their pts (RTP carries no dts). */
  readonly dtsFromPts: boolean;
  /** Frames a decoder may reorder: the depth for rebuilding dts from pts. */
  readonly reorderDepth: number;
  /** Why reading stopped, once read() has returned null. */
  readonly end: PullEnd | null;
  /** Keyframe requests (RTCP PLI/FIR) sent after losses so far, where the path sends them. */
  readonly keyframeRequests?: number;
  read(): Promise<CameraUnit | null>;
  /** Gives a unit's packet back once written. */
  recycle(packet: Packet): void;
  close(): Promise<void>;
}

export interface RecorderSource {
  /** For logs and segment headers: no credentials. */
  readonly name: string;
  connect(signal: AbortSignal): Promise<RecorderInput>;
  /** Cheap: is the source there at all? Ends a reconnect back-off early when it comes back. */
  probe(): Promise<boolean>;
  /** After an end of stream from a source that announced a length: is it still up (so it ended)? */
  stillThere(): Promise<boolean>;
}
