/**
 * An access unit put together from RTP payloads: all NAL units that share one RTP timestamp, in the
 * order they were sent (RFC 6184 §5.1, RFC 7798 §4.1: the marker bit ends an access unit; a new
 * timestamp does too when a marker was lost). Payload bytes are copied once, as they arrive, into one
 * reused buffer in Annex B form (00 00 00 01 before each NAL unit, what libavformat's RTP demuxer
 * hands on), so the received buffers can be reused at once (rtsp-client.ts reads into one buffer).
 */
export interface AccessUnit {
  /** 32-bit RTP timestamp of the unit. */
  timestamp: number;
  /** Annex B bytes; valid only during the onUnit call (the buffer is reused for the next unit). */
  data: Buffer;
  /** Contains an IDR (H.264) or IRAP (H.265) picture. */
  key: boolean;
  /**
   * Part of the unit's own data was lost: a slice is missing, or cut short where a fragment was lost
   * (what arrived before the gap is kept: a decoder decodes a cut slice up to its end and conceals the
   * rest, as FFmpeg's h264/hevc decoders do).
   */
  damaged: boolean;
  /** Packets were lost just before this unit and after the previous one: whole units may be missing. */
  gapBefore: boolean;
  /** Other pictures may be predicted from this one (H.264 nal_ref_idc != 0; every H.265 picture). */
  reference: boolean;
}

/** What a depacketizer needs to know about one NAL unit of its codec. */
export interface NalInfo {
  /** A slice of a picture (VCL NAL unit). */
  vcl: boolean;
  /** IDR / IRAP slice. */
  key: boolean;
  /** A slice that starts its picture (first_mb_in_slice 0 / first_slice_segment_in_pic_flag). */
  firstSlice: boolean;
  reference: boolean;
}

const START_CODE = Buffer.from([0, 0, 0, 1]);
const INITIAL_BYTES = 256 * 1024;

/**
 * An access unit that grows past this is not a picture but a source that never ends one (no marker
 * bit, one timestamp forever): its bytes so far are dropped instead of growing the buffer without
 * bound. An intra-coded 8K picture at a high bitrate stays well below it.
 */
export const MAX_ACCESS_UNIT_BYTES = 32 * 1024 * 1024;

/** Parameter sets as Annex B extradata (what libavformat's RTP demuxer puts in codecpar.extradata). */
export function annexBExtradata(sets: Buffer[]): Buffer {
  return Buffer.concat(sets.flatMap((s) => [START_CODE, s]));
}

export interface Depacketizer {
  /**
   * One RTP payload in sequence order; `lost` when packets are missing before it. A unit that
   * completes is handed to the callback given at construction (synchronously). The payload is not
   * kept after the call.
   */
  push(payload: Buffer, timestamp: number, marker: boolean, lost: boolean): void;
  /** Hands over a unit still being assembled (end of stream). */
  flush(): void;
  /** Latest parameter sets in extradata order (VPS, SPS, PPS / SPS, PPS); empty until known. */
  parameterSets(): Buffer[];
  /** The latest SPS (NAL header included), or null. */
  readonly sps: Buffer | null;
}

/**
 * What both depacketizers share: the unit being filled, FU reassembly, completion, and the damage
 * bookkeeping: which units lost data of their own and which come after packets lost between units.
 */
export abstract class UnitAssembler implements Depacketizer {
  private buf = Buffer.allocUnsafe(INITIAL_BYTES);
  private length = 0;
  private open = false;
  private timestamp = 0;
  private key = false;
  private damaged = false;
  private gapBefore = false;
  private reference = false;
  /** null until the unit's first slice: then whether it is the first slice of its picture. */
  private headIntact: boolean | null = null;
  /** Where the NAL unit being reassembled from fragments starts (its start code), or -1. */
  private fragmentAt = -1;
  sps: Buffer | null = null;
  /** Times a unit outgrew MAX_ACCESS_UNIT_BYTES and what it held was dropped. */
  oversizedUnits = 0;

  constructor(private readonly onUnit: (au: AccessUnit) => void) {}

  abstract push(payload: Buffer, timestamp: number, marker: boolean, lost: boolean): void;
  abstract parameterSets(): Buffer[];
  /** Classifies one NAL unit (header and, for slices, the first bits of the slice header). */
  protected abstract classify(nal: Buffer): NalInfo;
  /** Keeps a complete parameter set NAL unit (a copy: the unit's buffer is reused). */
  protected abstract keepParameterSet(nal: Buffer): void;

  /** Starts or continues the unit of `timestamp` (a different timestamp completes the previous one). */
  protected begin(timestamp: number, lost: boolean): void {
    if (this.open && this.timestamp !== timestamp) {
      // Completed by a new timestamp, not by its marker: with a loss just before, its end was lost.
      if (lost) this.damaged = true;
      this.complete();
    } else if (lost && this.open) {
      // The gap is inside this unit: a fragment in progress keeps what arrived before the gap.
      this.cutFragment();
      this.damaged = true;
    }
    if (!this.open) {
      this.open = true;
      this.timestamp = timestamp;
      this.key = false;
      this.damaged = false;
      this.reference = false;
      this.headIntact = null;
      this.gapBefore = lost;
    }
  }

  protected addNal(data: Buffer): void {
    if (data.length === 0) return;
    const at = this.length;
    if (!this.reserve(4 + data.length)) return;
    this.length += START_CODE.copy(this.buf, this.length);
    this.length += data.copy(this.buf, this.length);
    this.inspect(this.buf.subarray(at + 4, this.length), true);
  }

  /** First fragment of a NAL unit: its rebuilt header, then its data. */
  protected fragmentStart(header: Buffer, data: Buffer): void {
    // A fragmented NAL unit whose end never came (a lost end and a marker-less next start).
    this.cutFragment();
    if (!this.reserve(4 + header.length + data.length)) return;
    this.fragmentAt = this.length;
    this.length += START_CODE.copy(this.buf, this.length);
    this.length += header.copy(this.buf, this.length);
    this.length += data.copy(this.buf, this.length);
  }

  protected fragmentContinue(data: Buffer, end: boolean): void {
    if (this.fragmentAt < 0) return; // its start was lost, or a gap cut it: nothing after it is usable
    if (!this.reserve(data.length)) return;
    this.length += data.copy(this.buf, this.length);
    if (end) {
      this.inspect(this.buf.subarray(this.fragmentAt + 4, this.length), true);
      this.fragmentAt = -1;
    }
  }

  protected end(marker: boolean): void {
    if (marker) this.complete();
  }

  flush(): void {
    this.complete();
  }

  private inspect(nal: Buffer, whole: boolean): void {
    const info = this.classify(nal);
    if (!info.vcl) {
      if (whole) this.keepParameterSet(nal);
      return;
    }
    if (info.key) this.key = true;
    if (info.reference) this.reference = true;
    this.headIntact ??= info.firstSlice;
  }

  /**
   * The fragment in progress lost its middle or end. A slice keeps the part before the gap (decodable
   * up to there); any other NAL unit (SEI, parameter sets) is dropped, as a cut one is of no use.
   */
  private cutFragment(): void {
    if (this.fragmentAt < 0) return;
    const nal = this.buf.subarray(this.fragmentAt + 4, this.length);
    if (nal.length > 2 && this.classify(nal).vcl) {
      this.inspect(nal, false);
      this.damaged = true;
    } else this.length = this.fragmentAt;
    this.fragmentAt = -1;
  }

  /** Room for n more bytes; false when the unit would outgrow the cap (what it held is then dropped). */
  private reserve(n: number): boolean {
    if (this.length + n <= this.buf.length) return true;
    if (this.length + n > MAX_ACCESS_UNIT_BYTES) {
      this.oversizedUnits++;
      this.length = 0;
      this.fragmentAt = -1;
      this.headIntact = null;
      this.damaged = true;
      this.buf = Buffer.allocUnsafe(INITIAL_BYTES);
      return false;
    }
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
    return true;
  }

  private complete(): void {
    if (!this.open) return;
    this.cutFragment();
    this.open = false;
    const length = this.length;
    this.length = 0;
    // No slice arrived (only parameter sets or SEI): there is no picture to store.
    if (length === 0 || this.headIntact === null) return;
    this.onUnit({
      timestamp: this.timestamp,
      data: this.buf.subarray(0, length),
      key: this.key,
      // Its first slice is not the picture's first: the start of the picture was lost.
      damaged: this.damaged || !this.headIntact,
      gapBefore: this.gapBefore,
      reference: this.reference,
    });
  }
}
