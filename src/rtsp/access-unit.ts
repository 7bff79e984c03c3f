/**
 * An access unit put together from RTP payloads: all NAL units that share one RTP timestamp, in the
 * order they were sent (RFC 6184 §5.1, RFC 7798 §4.1: the marker bit ends an access unit; a new
 * timestamp does too when a marker was lost). The pieces are views into the received buffers (an
 * FU's fragments stay apart); they are copied once, into Annex B form, by writeAnnexB.
 */
export interface AccessUnit {
  /** 32-bit RTP timestamp of the unit. */
  timestamp: number;
  /** Each NAL unit as its pieces (the header byte(s) first), without a start code. */
  nals: Buffer[][];
  /** Contains an IDR (H.264) or IRAP (H.265) picture. */
  key: boolean;
  /** A packet of this unit was lost (sequence gap): it may be incomplete. */
  damaged: boolean;
  /** Bytes in Annex B form: a 4-byte start code per NAL unit plus the NAL units. */
  annexBSize: number;
}

const START_CODE = Buffer.from([0, 0, 0, 1]);

/** Writes `au` as Annex B (00 00 00 01 before each NAL unit) into `target` at 0; returns the length. */
export function writeAnnexB(au: AccessUnit, target: Buffer): number {
  let at = 0;
  for (const nal of au.nals) {
    at += START_CODE.copy(target, at);
    for (const piece of nal) at += piece.copy(target, at);
  }
  return at;
}

/** Parameter sets as Annex B extradata (what libavformat's RTP demuxer puts in codecpar.extradata). */
export function annexBExtradata(sets: Buffer[]): Buffer {
  return Buffer.concat(sets.flatMap((s) => [START_CODE, s]));
}

export interface Depacketizer {
  /**
   * One RTP payload in sequence order; `lost` when packets are missing before it. A unit that
   * completes is handed to the callback given at construction (synchronously).
   */
  push(payload: Buffer, timestamp: number, marker: boolean, lost: boolean): void;
  /** Hands over a unit still being assembled (end of stream). */
  flush(): void;
  /** Latest parameter sets in extradata order (VPS, SPS, PPS / SPS, PPS); empty until known. */
  parameterSets(): Buffer[];
  /** The latest SPS (NAL header included), or null. */
  readonly sps: Buffer | null;
}

/** What both depacketizers share: the unit being filled, FU reassembly, and completion. */
export abstract class UnitAssembler implements Depacketizer {
  private unit: AccessUnit | null = null;
  private fragment: Buffer[] | null = null;
  private fragmentBytes = 0;
  sps: Buffer | null = null;

  constructor(private readonly onUnit: (au: AccessUnit) => void) {}

  abstract push(payload: Buffer, timestamp: number, marker: boolean, lost: boolean): void;
  abstract parameterSets(): Buffer[];
  /** Classifies one complete NAL unit: keyframe or not, and keeps parameter sets. */
  protected abstract inspect(nal: Buffer[], unit: AccessUnit): void;

  /** Starts or continues the unit of `timestamp` (a different timestamp completes the previous one). */
  protected begin(timestamp: number, lost: boolean): AccessUnit {
    if (this.unit && this.unit.timestamp !== timestamp) this.complete();
    if (lost) {
      // The fragment in progress lost its middle or end: it is dropped, not passed on half-made.
      this.fragment = null;
      if (this.unit) this.unit.damaged = true;
    }
    this.unit ??= { timestamp, nals: [], key: false, damaged: lost, annexBSize: 0 };
    return this.unit;
  }

  protected addNal(unit: AccessUnit, nal: Buffer[], bytes: number): void {
    if (bytes === 0) return;
    unit.nals.push(nal);
    unit.annexBSize += 4 + bytes;
    this.inspect(nal, unit);
  }

  protected fragmentStart(header: Buffer, data: Buffer): void {
    this.fragment = [header, data];
    this.fragmentBytes = header.length + data.length;
  }

  protected fragmentContinue(unit: AccessUnit, data: Buffer, end: boolean): void {
    if (!this.fragment) return; // its start was lost
    this.fragment.push(data);
    this.fragmentBytes += data.length;
    if (end) {
      this.addNal(unit, this.fragment, this.fragmentBytes);
      this.fragment = null;
    }
  }

  protected end(marker: boolean): void {
    if (marker) this.complete();
  }

  flush(): void {
    this.complete();
  }

  private complete(): void {
    const unit = this.unit;
    this.unit = null;
    this.fragment = null;
    if (unit && unit.nals.length > 0) this.onUnit(unit);
  }
}

/** A NAL unit's pieces as one buffer (a copy: parameter sets are kept beyond the received buffers). */
export function joinNal(nal: Buffer[]): Buffer {
  return Buffer.from(nal.length === 1 ? nal[0]! : Buffer.concat(nal));
}
