/**
 * What the RTSP server needs from the application, declared here so that src/rtsp never looks up
 * streams itself (MediaMTX's serverPathManager, gortsplib's OnDescribe/OnSetup/OnPlay). src/streams
 * implements it for files and, later, live sources.
 *
 * Lifecycle of one client session, as the server drives it:
 *   onDescribe (any time) → onSetup per track (the first creates the session) → onPlay → [onPause →
 *   onPlay]* → onTeardown (TEARDOWN, session timeout, connection loss, server close). onTeardown is
 *   called exactly once per session that onSetup accepted.
 */
export interface RtspMount {
  /** SDP body with `a=control:` per track equal to the names in `tracks`. */
  sdp: string;
  /** Track control names, e.g. ['track0']. */
  tracks: string[];
}

/** Where a session's RTP and RTCP go; the server implements it over UDP or the TCP connection. */
export interface RtpSink {
  /** Sends one RTP packet. The sink copies it: the caller may reuse the buffer after the call. */
  sendRtp(packet: Buffer): void;
  /**
   * Optional: several RTP packets back to back in `data`, `lengths[i]` bytes each (one access unit), copied
   * like sendRtp; one call instead of one per packet. `keyframe` says whether a decoder can start at
   * this unit: a TCP viewer that falls behind skips whole units up to the next keyframe.
   */
  sendRtpPackets?(data: Buffer, lengths: Uint16Array, keyframe?: boolean): void;
  /**
   * Optional: `count` RTP packets, each behind the 4-byte `$ 0 length` of RTSP's TCP framing (RFC 2326
   * §10.12), in a buffer shared with other viewers: the sink copies them during the call and never
   * writes to `framed`. `seqOffset` is added to every packet's sequence number. `keyframe` as above.
   */
  sendFramedRtp?(framed: Buffer, count: number, seqOffset: number, keyframe?: boolean): void;
  sendRtcp(packet: Buffer): void;
  /** true once the receiver is gone (teardown, timeout, closed socket); senders stop then. */
  readonly closed: boolean;
  /**
   * Optional batching: packets sent between cork() and uncork() may leave in one write (one access
   * unit is often dozens of RTP packets; one socket write per packet costs more than the packetizing).
   */
  cork?(): void;
  uncork?(): void;
}

export interface SessionRef {
  sessionId: string;
  path: string;
}

export interface SetupRequest extends SessionRef {
  track: string;
  sink: RtpSink;
}

export interface SetupResult {
  /** Our SSRC for the track when it is known at SETUP (echoed in the Transport header). */
  ssrc?: number;
}

export interface PlayRequest extends SessionRef {
  /** Requested start in seconds of normal play time; undefined means "from where it is". */
  rangeStartSec: number | undefined;
  /** The aggregate (or track) URL the client used, for RTP-Info. */
  baseUrl: string;
}

export interface RtpInfoEntry {
  track: string;
  seq: number;
  rtptime: number;
}

export interface PlayResult {
  rangeStartSec: number;
  rangeEndSec?: number;
  rtpInfo: RtpInfoEntry[];
  /** Called right after the PLAY response is written: the first RTP packet must follow the response. */
  begin(): void;
}

export interface RtspServerHandler {
  /** undefined when no such mount (404). */
  onDescribe(req: { path: string }): Promise<RtspMount | undefined>;
  onSetup(req: SetupRequest): Promise<SetupResult>;
  onPlay(req: PlayRequest): Promise<PlayResult>;
  onPause(req: SessionRef): Promise<void>;
  onTeardown(req: SessionRef): void;
}

/**
 * An error the handler throws to answer with a specific RTSP status, with headers when the status
 * needs them (a 302's Location, RFC 2326 §11.3.3).
 */
export class RtspStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: [string, string][] = [],
  ) {
    super(message);
    this.name = 'RtspStatusError';
  }
}
