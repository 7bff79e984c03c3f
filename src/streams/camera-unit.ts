/**
 * What a pull from an RTSP camera hands its consumer (the recorder), whichever of the two paths
 * (rtsp-pull.ts, kadr's own client; libav-rtsp-pull.ts, libavformat's demuxer) read it.
 */
import type { Packet } from 'node-av/lib';
import type { MediaUnit } from '../core/media-unit.js';
import type { Rational } from '../core/rational.js';
import type { RtspTransport } from '../rtsp/index.js';

export interface CameraPullOptions {
  transport: RtspTransport;
  /** Socket I/O timeout: no data for this long ends the read with an error (a dead source over UDP). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Also hand each unit's bytes over as a Buffer (CameraUnit.bytes), where the pull has them in
   * JavaScript: for a consumer that publishes them (a camera's hub), not one that only muxes packets.
   */
  bytes?: boolean;
}

export interface CameraVideoInfo {
  codec: string;
  /** Length the source announces (SDP a=range npt=0-N) in ms; null for a live, open-ended stream. */
  durationMs: number | null;
  width: number;
  height: number;
  timeBase: Rational;
  /**
   * H.264 / H.265 parameter sets known so far (SDP or in-band; VPS, SPS, PPS order, NAL units without
   * start codes), for the restream's SDP; absent where the pull does not know them (libavformat's path).
   */
  parameterSets?: Buffer[];
}

/**
 * One access unit as it came off the network. `data` is a node-av packet that the consumer owns and
 * hands back with recycle() (or free()); its pts and dts are the unit's.
 */
export interface CameraUnit extends MediaUnit<Packet> {
  /** The pts was missing from the stream and is an estimate (first frame only; libav-rtsp-repair.ts). */
  ptsEstimated: boolean;
  /**
   * The same bytes as `data`, owned by the unit, where the pull has them in JavaScript already (kadr's
   * RTP receiver): what the camera's hub publishes, saving a copy out of the packet.
   */
  bytes?: Buffer;
}

/** How a read ended: the source said it is done (RTCP BYE / EOF), or the connection failed. */
export type PullEnd = { kind: 'eof' } | { kind: 'error'; code: number; message: string };
