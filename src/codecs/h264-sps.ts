/**
 * The fields of an H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1, VUI §E.1.1) a recorder needs
 * without a decoder: the picture size after cropping, and how many frames the decoder may reorder
 * (how far decode order runs ahead of presentation order, for rebuilding DTS from PTS).
 */
import { RbspReader } from './rbsp-reader.js';

export interface VideoSpsInfo {
  width: number;
  height: number;
  /** Frames a decoder may hold back for reordering (0: no B-frames, dts = pts). */
  reorderFrames: number;
  profile: number;
  level: number;
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** MaxDpbMbs per level_idc (Table A-1), as FFmpeg uses it when the VUI gives no reorder depth. */
const MAX_DPB_MBS: Record<number, number> = {
  9: 396,
  10: 396,
  11: 900,
  12: 2376,
  13: 2376,
  20: 2376,
  21: 4752,
  22: 8100,
  30: 8100,
  31: 18000,
  32: 20480,
  40: 32768,
  41: 32768,
  42: 34816,
  50: 110400,
  51: 184320,
  52: 184320,
};

/** Parses an SPS NAL unit (with its 1-byte NAL header, without a start code). Throws when malformed. */
export function parseH264Sps(nal: Uint8Array): VideoSpsInfo {
  const r = new RbspReader(nal, 1);
  const profile = r.u(8);
  const constraints = r.u(8);
  const level = r.u(8);
  r.ue(); // seq_parameter_set_id
  let chromaFormat = 1;
  let separateColourPlanes = 0;
  if (HIGH_PROFILES.has(profile)) {
    chromaFormat = r.ue();
    if (chromaFormat === 3) separateColourPlanes = r.u1();
    r.ue(); // bit_depth_luma_minus8
    r.ue(); // bit_depth_chroma_minus8
    r.u1(); // qpprime_y_zero_transform_bypass_flag
    if (r.u1()) {
      for (let i = 0; i < (chromaFormat !== 3 ? 8 : 12); i++) {
        if (r.u1()) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
  }
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) {
    r.u1();
    r.se();
    r.se();
    const cycle = r.ue();
    for (let i = 0; i < cycle; i++) r.se();
  }
  const refFrames = r.ue();
  r.u1(); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.ue() + 1;
  const heightMapUnits = r.ue() + 1;
  const frameMbsOnly = r.u1();
  if (!frameMbsOnly) r.u1();
  r.u1(); // direct_8x8_inference_flag
  let crop = [0, 0, 0, 0];
  if (r.u1()) crop = [r.ue(), r.ue(), r.ue(), r.ue()];
  const chroma = separateColourPlanes ? 0 : chromaFormat;
  const cropX = chroma === 0 || chroma === 3 ? 1 : 2;
  const cropY = (chroma === 1 ? 2 : 1) * (2 - frameMbsOnly);
  const width = widthMbs * 16 - cropX * (crop[0]! + crop[1]!);
  const height = (2 - frameMbsOnly) * heightMapUnits * 16 - cropY * (crop[2]! + crop[3]!);
  let reorderFrames: number | null = null;
  if (r.u1()) reorderFrames = vuiReorderFrames(r);
  if (reorderFrames === null) {
    // No bitstream_restriction: Baseline and intra profiles have no B-frames; otherwise the level's DPB
    // size bounds the reordering (what FFmpeg's h264_ps.c assumes).
    const intra = (constraints & 0x10) !== 0 && [44, 86, 100, 110, 122, 244].includes(profile);
    if (profile === 66 || intra || refFrames === 0) reorderFrames = 0;
    else {
      const dpb = MAX_DPB_MBS[level];
      reorderFrames = dpb
        ? Math.min(15, Math.floor(dpb / (widthMbs * heightMapUnits * (2 - frameMbsOnly))))
        : 15;
    }
  }
  return { width, height, reorderFrames, profile, level };
}

function skipScalingList(r: RbspReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** VUI (§E.1.1) up to max_num_reorder_frames; null when the VUI has no bitstream_restriction. */
function vuiReorderFrames(r: RbspReader): number | null {
  if (r.u1() && r.u(8) === 255) r.skip(32); // aspect_ratio_idc, Extended_SAR
  if (r.u1()) r.u1(); // overscan
  if (r.u1()) {
    r.skip(4); // video_format, video_full_range_flag
    if (r.u1()) r.skip(24); // colour description
  }
  if (r.u1()) {
    r.ue();
    r.ue();
  }
  if (r.u1()) r.skip(65); // num_units_in_tick, time_scale, fixed_frame_rate_flag
  const nalHrd = r.u1();
  if (nalHrd) skipHrd(r);
  const vclHrd = r.u1();
  if (vclHrd) skipHrd(r);
  if (nalHrd || vclHrd) r.u1(); // low_delay_hrd_flag
  r.u1(); // pic_struct_present_flag
  if (!r.u1()) return null;
  r.u1(); // motion_vectors_over_pic_boundaries_flag
  r.ue(); // max_bytes_per_pic_denom
  r.ue(); // max_bits_per_mb_denom
  r.ue(); // log2_max_mv_length_horizontal
  r.ue(); // log2_max_mv_length_vertical
  return r.ue(); // max_num_reorder_frames
}

function skipHrd(r: RbspReader): void {
  const count = r.ue() + 1;
  r.skip(8); // bit_rate_scale, cpb_size_scale
  for (let i = 0; i < count; i++) {
    r.ue();
    r.ue();
    r.u1();
  }
  r.skip(20);
}
