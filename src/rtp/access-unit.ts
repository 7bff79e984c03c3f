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
  /** A packet of this unit was lost (sequence gap): it may be incomplete. */
  damaged: boolean;
}

const START_CODE = Buffer.from([0, 0, 0, 1]);

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

/** What both depacketizers share: the unit being filled, FU reassembly, and completion. */
export abstract class UnitAssembler implements Depacketizer {
  private buf = Buffer.allocUnsafe(256 * 1024);
  private length = 0;
  private open = false;
  private timestamp = 0;
  private key = false;
  private damaged = false;
  /** Where the NAL unit being reassembled from fragments starts (its start code), or -1. */
  private fragmentAt = -1;
  sps: Buffer | null = null;

  constructor(private readonly onUnit: (au: AccessUnit) => void) {}

  abstract push(payload: Buffer, timestamp: number, marker: boolean, lost: boolean): void;
  abstract parameterSets(): Buffer[];
  /** Looks at one complete NAL unit: is it a keyframe (returns true), and keeps parameter sets. */
  protected abstract inspect(nal: Buffer): boolean;

  /** Starts or continues the unit of `timestamp` (a different timestamp completes the previous one). */
  protected begin(timestamp: number, lost: boolean): void {
    if (this.open && this.timestamp !== timestamp) this.complete();
    if (lost) {
      // The fragment in progress lost its middle or end: it is dropped, not passed on half-made.
      this.dropFragment();
      this.damaged = true;
    }
    if (!this.open) {
      this.open = true;
      this.timestamp = timestamp;
      this.key = false;
      this.damaged = lost;
    }
  }

  protected addNal(data: Buffer): void {
    if (data.length === 0) return;
    const at = this.length;
    this.reserve(4 + data.length);
    this.length += START_CODE.copy(this.buf, this.length);
    this.length += data.copy(this.buf, this.length);
    if (this.inspect(this.buf.subarray(at + 4, this.length))) this.key = true;
  }

  /** First fragment of a NAL unit: its rebuilt header, then its data. */
  protected fragmentStart(header: Buffer, data: Buffer): void {
    this.dropFragment();
    this.fragmentAt = this.length;
    this.reserve(4 + header.length + data.length);
    this.length += START_CODE.copy(this.buf, this.length);
    this.length += header.copy(this.buf, this.length);
    this.length += data.copy(this.buf, this.length);
  }

  protected fragmentContinue(data: Buffer, end: boolean): void {
    if (this.fragmentAt < 0) return; // its start was lost
    this.reserve(data.length);
    this.length += data.copy(this.buf, this.length);
    if (end) {
      if (this.inspect(this.buf.subarray(this.fragmentAt + 4, this.length))) this.key = true;
      this.fragmentAt = -1;
    }
  }

  protected end(marker: boolean): void {
    if (marker) this.complete();
  }

  flush(): void {
    this.complete();
  }

  private dropFragment(): void {
    if (this.fragmentAt >= 0) this.length = this.fragmentAt;
    this.fragmentAt = -1;
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  private complete(): void {
    if (!this.open) return;
    this.dropFragment();
    this.open = false;
    const length = this.length;
    this.length = 0;
    if (length === 0) return;
    this.onUnit({
      timestamp: this.timestamp,
      data: this.buf.subarray(0, length),
      key: this.key,
      damaged: this.damaged,
    });
  }
}
