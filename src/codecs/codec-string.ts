/**
 * The RFC 6381 `codecs` name of a video stream from its SPS, as an HLS multivariant playlist's CODECS
 * attribute and a browser's MediaSource.isTypeSupported() want it: `avc1.PPCCLL` (ISO/IEC 14496-15
 * §E.3: profile_idc, the constraint flags byte, level_idc, in hex) and
 * `hvc1.<space><profile>.<compat>.<tier><level>.<constraints>` (ISO/IEC 14496-15 §E.3 for HEVC).
 */
import { RbspReader } from './rbsp-reader.js';

const hex2 = (n: number) => n.toString(16).padStart(2, '0').toUpperCase();

/** `sps` is the SPS NAL unit with its header, without a start code. */
export function videoCodecString(codec: 'h264' | 'hevc', sps: Uint8Array): string {
  if (codec === 'h264') {
    if (sps.length < 4) throw new Error('h264 SPS too short');
    return `avc1.${hex2(sps[1]!)}${hex2(sps[2]!)}${hex2(sps[3]!)}`;
  }
  const r = new RbspReader(sps, 2);
  r.skip(4 + 3 + 1); // sps_video_parameter_set_id, sps_max_sub_layers_minus1, temporal_id_nesting
  const space = r.u(2);
  const tier = r.u1();
  const profile = r.u(5);
  let compat = 0;
  for (let i = 0; i < 32; i++) compat |= r.u1() << i; // written in reverse bit order
  const constraints: number[] = [];
  for (let i = 0; i < 6; i++) constraints.push(r.u(8));
  const level = r.u(8);
  while (constraints.length > 0 && constraints[constraints.length - 1] === 0) constraints.pop();
  const parts = [
    'hvc1',
    `${['', 'A', 'B', 'C'][space]}${profile}`,
    (compat >>> 0).toString(16).toUpperCase(),
    `${tier ? 'H' : 'L'}${level}`,
    ...constraints.map((c) => c.toString(16).toUpperCase()),
  ];
  return parts.join('.');
}
