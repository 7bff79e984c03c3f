/**
 * H.264 RTP payloads (RFC 6184) into access units: single NAL unit packets (types 1-23), STAP-A (24)
 * and FU-A (28), packetization modes 0 and 1. Interleaved mode (STAP-B, MTAP, FU-B) is not supported:
 * those packets are ignored. In-band SPS/PPS replace the SDP's sprop-parameter-sets.
 */
import { UnitAssembler, type AccessUnit, type NalInfo } from './access-unit.js';

const EMPTY = Buffer.alloc(0);
const NAL_IDR = 5;
const NAL_SPS = 7;
const NAL_PPS = 8;

export class H264Depacketizer extends UnitAssembler {
  private pps: Buffer | null = null;

  constructor(onUnit: (au: AccessUnit) => void, sprop: Buffer[] = []) {
    super(onUnit);
    for (const nal of sprop) this.keep(nal);
  }

  push(payload: Buffer, timestamp: number, marker: boolean, lost: boolean): void {
    if (payload.length < 1) return;
    this.begin(timestamp, lost);
    const type = payload[0]! & 0x1f;
    if (type >= 1 && type <= 23) {
      this.addNal(payload);
    } else if (type === 24) {
      let at = 1;
      while (at + 2 <= payload.length) {
        const size = payload.readUInt16BE(at);
        at += 2;
        if (size === 0 || at + size > payload.length) break;
        this.addNal(payload.subarray(at, at + size));
        at += size;
      }
    } else if (type === 28 && payload.length >= 2) {
      const fu = payload[1]!;
      const data = payload.subarray(2);
      if (fu & 0x80) this.fragmentStart(Buffer.of((payload[0]! & 0xe0) | (fu & 0x1f)), data);
      else this.fragmentContinue(data, (fu & 0x40) !== 0);
      if (fu & 0x80 && fu & 0x40) this.fragmentContinue(EMPTY, true);
    }
    this.end(marker);
  }

  parameterSets(): Buffer[] {
    return this.sps && this.pps ? [this.sps, this.pps] : [];
  }

  protected classify(nal: Buffer): NalInfo {
    const type = nal[0]! & 0x1f;
    const vcl = type >= 1 && type <= 5;
    return {
      vcl,
      key: type === NAL_IDR,
      // first_mb_in_slice is the slice header's first field, ue(v): a leading 1 bit is 0.
      firstSlice: vcl && nal.length > 1 && (nal[1]! & 0x80) !== 0,
      reference: (nal[0]! & 0x60) !== 0,
    };
  }

  protected keepParameterSet(nal: Buffer): void {
    const type = nal[0]! & 0x1f;
    // A copy: the unit's buffer is reused, parameter sets are kept for later segments.
    if (type === NAL_SPS || type === NAL_PPS) this.keep(Buffer.from(nal));
  }

  private keep(nal: Buffer): void {
    const type = nal[0]! & 0x1f;
    if (type === NAL_SPS) this.sps = nal;
    else if (type === NAL_PPS) this.pps = nal;
  }
}
