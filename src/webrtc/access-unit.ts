/**
 * The bytes a WebRTC viewer is sent for one unit: the camera's Annex B access unit, with the
 * connection's parameter sets put before a keyframe that lacks them (a camera that sends them only
 * in its SDP, or once at the start). A browser's decoder starts at the first keyframe it gets and
 * needs SPS and PPS (VPS too for H.265) before it.
 */
import { splitAnnexB } from '../rtp/index.js';

const START_CODE = Buffer.from([0, 0, 0, 1]);

function nalTypes(data: Buffer, codec: string): Set<number> {
  const types = new Set<number>();
  for (const nal of splitAnnexB(data)) {
    if (nal.length === 0) continue;
    types.add(codec === 'hevc' ? (nal[0]! >> 1) & 0x3f : nal[0]! & 0x1f);
  }
  return types;
}

/** H.264 SPS 7 and PPS 8; H.265 VPS 32, SPS 33, PPS 34. */
function hasParameterSets(types: Set<number>, codec: string): boolean {
  return codec === 'hevc' ? types.has(32) && types.has(33) && types.has(34) : types.has(7) && types.has(8);
}

export function withParameterSets(
  data: Buffer,
  codec: string,
  parameterSets: readonly Buffer[] | undefined,
): Buffer {
  if (!parameterSets || parameterSets.length === 0) return data;
  if (hasParameterSets(nalTypes(data, codec), codec)) return data;
  const parts: Buffer[] = [];
  for (const ps of parameterSets) parts.push(START_CODE, ps);
  parts.push(data);
  return Buffer.concat(parts);
}
