/**
 * The muxer's track from the parameter sets a keyframe carries in-band (Annex B: SPS and PPS before
 * an H.264 IDR, VPS, SPS and PPS before an H.265 IRAP picture), for a hub whose runtime does not say
 * what its connection negotiated. Most cameras repeat them before every keyframe (and gst-rtsp-server's
 * payloaders with config-interval=-1); one that sends them only in the SDP needs the connection's own
 * description (LiveCamera.stream()).
 */
import { parseH264Sps, parseHevcSps, type VideoSpsInfo } from '../codecs/index.js';
import type { MediaUnit } from '../core/media-unit.js';
import { annexBExtradata } from '../rtp/index.js';
import type { LiveStreamInfo } from '../streams/index.js';

/** NAL units of an Annex B access unit, without their start codes. */
export function annexBNalUnits(data: Buffer): Buffer[] {
  const starts: { at: number; len: number }[] = [];
  for (let i = 0; i + 2 < data.length; i++) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      starts.push({ at: i + 3, len: i > 0 && data[i - 1] === 0 ? 4 : 3 });
      i += 2;
    }
  }
  return starts.map((s, k) => {
    const next = starts[k + 1];
    return data.subarray(s.at, next ? next.at - next.len : data.length);
  });
}

/** The stream of a keyframe with in-band parameter sets; null when it carries none we can read. */
export function streamFromKeyframe(unit: MediaUnit): LiveStreamInfo | null {
  if (!unit.key) return null;
  const nals = annexBNalUnits(unit.data).filter((n) => n.length > 1 && (n[0]! & 0x80) === 0);
  return h264(unit, nals) ?? hevc(unit, nals);
}

function h264(unit: MediaUnit, nals: Buffer[]): LiveStreamInfo | null {
  const sps = nals.find((n) => (n[0]! & 0x1f) === 7);
  const pps = nals.find((n) => (n[0]! & 0x1f) === 8);
  if (!sps || !pps || !nals.some((n) => (n[0]! & 0x1f) === 5)) return null;
  return described(unit, 'h264', [sps, pps], () => parseH264Sps(sps));
}

function hevc(unit: MediaUnit, nals: Buffer[]): LiveStreamInfo | null {
  const type = (n: Buffer) => (n[0]! >> 1) & 0x3f;
  const vps = nals.find((n) => type(n) === 32);
  const sps = nals.find((n) => type(n) === 33);
  const pps = nals.find((n) => type(n) === 34);
  if (!vps || !sps || !pps) return null;
  return described(unit, 'hevc', [vps, sps, pps], () => parseHevcSps(sps));
}

function described(
  unit: MediaUnit,
  codec: 'h264' | 'hevc',
  sets: Buffer[],
  parse: () => VideoSpsInfo,
): LiveStreamInfo | null {
  let sps: VideoSpsInfo;
  try {
    sps = parse();
  } catch {
    return null;
  }
  const extradata = annexBExtradata(sets.map((s) => Buffer.from(s)));
  return {
    info: { codec, durationMs: null, width: sps.width, height: sps.height, timeBase: unit.timeBase },
    track: { codec, extradata, width: sps.width, height: sps.height, timeBase: unit.timeBase },
    dtsFromPts: true,
    reorderDepth: sps.reorderFrames,
  };
}
