/**
 * The SDP media section of a restreamed H.264 / H.265 track, written from the parameter sets the
 * source sent (in its SDP or in-band), so a viewer can set up its decoder before the first keyframe:
 *  - H.264 (RFC 6184 §8.1): packetization-mode=1 (single NAL and FU-A, what rtp-video-packetizer.ts
 *    sends), profile-level-id from the SPS's profile_idc, constraint flags and level_idc, and
 *    sprop-parameter-sets (SPS, PPS in base64);
 *  - H.265 (RFC 7798 §7.1): sprop-vps, sprop-sps, sprop-pps.
 * No `a=framerate`: kadr's times come from timestamps, never from a frame rate (docs/media-pitfalls.md).
 */
import type { PacketizedCodec } from './rtp-video-packetizer.js';

export function liveVideoSdpSection(
  codec: PacketizedCodec,
  parameterSets: Buffer[],
  payloadType = 96,
): string[] {
  const pt = payloadType;
  const lines = [`m=video 0 RTP/AVP ${pt}`];
  if (codec === 'h264') {
    lines.push(`a=rtpmap:${pt} H264/90000`);
    const sps = parameterSets.filter((s) => (s[0]! & 0x1f) === 7);
    const pps = parameterSets.filter((s) => (s[0]! & 0x1f) === 8);
    const fmtp = ['packetization-mode=1'];
    const first = sps[0];
    if (first && first.length >= 4) fmtp.push(`profile-level-id=${first.subarray(1, 4).toString('hex')}`);
    if (sps.length + pps.length > 0) {
      fmtp.push(`sprop-parameter-sets=${[...sps, ...pps].map((s) => s.toString('base64')).join(',')}`);
    }
    lines.push(`a=fmtp:${pt} ${fmtp.join(';')}`);
  } else {
    lines.push(`a=rtpmap:${pt} H265/90000`);
    const of = (type: number) =>
      parameterSets.filter((s) => ((s[0]! >> 1) & 0x3f) === type).map((s) => s.toString('base64'));
    const fmtp = (
      [
        ['sprop-vps', of(32)],
        ['sprop-sps', of(33)],
        ['sprop-pps', of(34)],
      ] as const
    )
      .filter(([, v]) => v.length > 0)
      .map(([k, v]) => `${k}=${v.join(',')}`);
    if (fmtp.length > 0) lines.push(`a=fmtp:${pt} ${fmtp.join(';')}`);
  }
  return lines;
}
