/**
 * The fields of an H.265 sequence parameter set (ITU-T H.265 §7.3.2.2) a recorder needs without a
 * decoder: the picture size inside the conformance window, and sps_max_num_reorder_pics of the highest
 * sub-layer (how far decode order runs ahead of presentation order).
 */
import { RbspReader } from './rbsp-reader.js';
import type { VideoSpsInfo } from './h264-sps.js';

/** Parses an SPS NAL unit (with its 2-byte NAL header, without a start code). Throws when malformed. */
export function parseHevcSps(nal: Uint8Array): VideoSpsInfo {
  const r = new RbspReader(nal, 2);
  r.skip(4); // sps_video_parameter_set_id
  const maxSubLayersMinus1 = r.u(3);
  r.u1(); // sps_temporal_id_nesting_flag
  // profile_tier_level(1, maxSubLayersMinus1) (§7.3.3)
  r.skip(3); // general_profile_space, general_tier_flag
  const profile = r.u(5);
  r.skip(32 + 48); // compatibility flags, constraint flags
  const level = r.u(8);
  const subProfile: number[] = [];
  const subLevel: number[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    subProfile.push(r.u1());
    subLevel.push(r.u1());
  }
  if (maxSubLayersMinus1 > 0) r.skip(2 * (8 - maxSubLayersMinus1));
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (subProfile[i]) r.skip(88);
    if (subLevel[i]) r.skip(8);
  }
  r.ue(); // sps_seq_parameter_set_id
  const chromaFormat = r.ue();
  if (chromaFormat === 3) r.u1(); // separate_colour_plane_flag
  let width = r.ue();
  let height = r.ue();
  if (r.u1()) {
    const subWidth = chromaFormat === 1 || chromaFormat === 2 ? 2 : 1;
    const subHeight = chromaFormat === 1 ? 2 : 1;
    const [left, right, top, bottom] = [r.ue(), r.ue(), r.ue(), r.ue()];
    width -= subWidth * (left + right);
    height -= subHeight * (top + bottom);
  }
  r.ue(); // bit_depth_luma_minus8
  r.ue(); // bit_depth_chroma_minus8
  r.ue(); // log2_max_pic_order_cnt_lsb_minus4
  const allLayers = r.u1();
  let reorderFrames = 0;
  for (let i = allLayers ? 0 : maxSubLayersMinus1; i <= maxSubLayersMinus1; i++) {
    r.ue(); // sps_max_dec_pic_buffering_minus1
    reorderFrames = r.ue(); // sps_max_num_reorder_pics: the highest sub-layer's comes last
    r.ue(); // sps_max_latency_increase_plus1
  }
  return { width, height, reorderFrames, profile, level };
}
