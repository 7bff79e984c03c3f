/**
 * H.265 RTP payloads (RFC 7798) into access units: single NAL unit packets, aggregation packets (48)
 * and fragmentation units (49), without DONL fields (sprop-max-don-diff = 0, what cameras and
 * gst-rtsp-server send). PACI packets (50) are ignored. In-band VPS/SPS/PPS replace the SDP's
 * sprop-vps/sps/pps.
 */
import { UnitAssembler, type AccessUnit, type NalInfo } from './access-unit.js';

const EMPTY = Buffer.alloc(0);
const NAL_AP = 48;
const NAL_FU = 49;
const NAL_VPS = 32;
const NAL_SPS = 33;
const NAL_PPS = 34;

export class HevcDepacketizer extends UnitAssembler {
  private vps: Buffer | null = null;
  private pps: Buffer | null = null;

  constructor(onUnit: (au: AccessUnit) => void, sprop: Buffer[] = []) {
    super(onUnit);
    for (const nal of sprop) this.keep(nal);
  }

  push(payload: Buffer, timestamp: number, marker: boolean, lost: boolean): void {
    if (payload.length < 3) return;
    this.begin(timestamp, lost);
    const type = (payload[0]! >> 1) & 0x3f;
    if (type === NAL_AP) {
      let at = 2;
      while (at + 2 <= payload.length) {
        const size = payload.readUInt16BE(at);
        at += 2;
        if (size < 2 || at + size > payload.length) break;
        this.addNal(payload.subarray(at, at + size));
        at += size;
      }
    } else if (type === NAL_FU) {
      const fu = payload[2]!;
      const data = payload.subarray(3);
      if (fu & 0x80) {
        const header = Buffer.of((payload[0]! & 0x81) | ((fu & 0x3f) << 1), payload[1]!);
        this.fragmentStart(header, data);
        if (fu & 0x40) this.fragmentContinue(EMPTY, true);
      } else this.fragmentContinue(data, (fu & 0x40) !== 0);
    } else if (type < 48) {
      this.addNal(payload);
    }
    this.end(marker);
  }

  parameterSets(): Buffer[] {
    return this.vps && this.sps && this.pps ? [this.vps, this.sps, this.pps] : [];
  }

  protected classify(nal: Buffer): NalInfo {
    const type = (nal[0]! >> 1) & 0x3f;
    const vcl = type < 32;
    return {
      vcl,
      // IRAP pictures: BLA (16-18), IDR (19-20), CRA (21).
      key: type >= 16 && type <= 21,
      // first_slice_segment_in_pic_flag: the first bit after the 2-byte NAL unit header.
      firstSlice: vcl && nal.length > 2 && (nal[2]! & 0x80) !== 0,
      // Sub-layer non-reference pictures (TRAIL_N, ...) may still be referenced by higher temporal
      // sub-layers: every picture counts as a reference.
      reference: true,
    };
  }

  protected keepParameterSet(nal: Buffer): void {
    const type = (nal[0]! >> 1) & 0x3f;
    // A copy: the unit's buffer is reused, parameter sets are kept for later segments.
    if (type >= NAL_VPS && type <= NAL_PPS) this.keep(Buffer.from(nal));
  }

  private keep(nal: Buffer): void {
    const type = (nal[0]! >> 1) & 0x3f;
    if (type === NAL_VPS) this.vps = nal;
    else if (type === NAL_SPS) this.sps = nal;
    else if (type === NAL_PPS) this.pps = nal;
  }
}
