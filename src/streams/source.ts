/**
 * What a restreamable source offers the RTSP glue. Files are the first kind; live cameras (one
 * upstream connection, many consumers) will implement the same interface later.
 */
import type { RtpSink } from '../rtsp/index.js';

export interface SourceDescription {
  /** SDP media sections, one per track, without `a=control` (the glue adds it). */
  mediaSections: string[][];
  /** Track names in the same order, e.g. ['track0']. */
  tracks: string[];
  durationSec: number | undefined;
}

export interface PlayStart {
  /** Normal play time where playback starts (the keyframe a seek landed on). */
  startSec: number;
  seq: number;
  rtptime: number;
}

/** One client's view of one track: its own SSRC, sequence numbers and pacing. */
export interface SourceConsumer {
  readonly ssrc: number;
  /** Prepares playback from `rangeStartSec` (or from where it stopped) without sending yet. */
  play(rangeStartSec: number | undefined): Promise<PlayStart>;
  /** Starts sending: called right after the PLAY response went out. */
  begin(): void;
  pause(): Promise<void>;
  close(): Promise<void>;
}

export interface StreamSource {
  readonly name: string;
  describe(): Promise<SourceDescription>;
  createConsumer(track: string, sink: RtpSink): Promise<SourceConsumer>;
  /** Frees what the source keeps between clients (server shutdown, after its consumers closed). */
  close?(): Promise<void>;
}
