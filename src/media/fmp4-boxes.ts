/**
 * Finds the pieces of the fragmented MP4 that libavformat's muxer writes into a file, as it writes
 * them: the init section (ftyp + moov), then one piece per fragment ([prft] + moof + mdat,
 * ISO/IEC 14496-12 §8.8), then the trailer (mfra). The bytes are never read into JS except box
 * headers and the moofs (a few KB a second): a piece is reported as a byte range of the file once its
 * last box is complete, so a consumer that stores pieces in order always holds a playable file, and it
 * learns how many samples (frames) each fragment carries from the trun boxes.
 *
 *   box = size:u32 type:char[4] [largesize:u64 when size == 1] payload
 */
import { readSync } from 'node:fs';

export type Fmp4PieceKind = 'init' | 'fragment' | 'trailer';

export interface Fmp4Piece {
  kind: Fmp4PieceKind;
  /** Byte range of the piece in the file. */
  offset: number;
  length: number;
  /** Samples in the fragment (sum of its trun sample_count); 0 for init and trailer. */
  samples: number;
}

/** Boxes that close a piece: after them the bytes gathered so far form one piece. */
const CLOSING: Record<string, Fmp4PieceKind> = { moov: 'init', mdat: 'fragment', mfra: 'trailer' };

export class Fmp4FileScanner {
  /** Where the piece being gathered starts, and the box after the last complete one. */
  private pieceStart = 0;
  private boxStart = 0;
  private samples = 0;
  private readonly head = Buffer.alloc(16);
  private moof = Buffer.alloc(64 * 1024);

  /** `fd` must be readable with positions (pread); the writer appends to it. */
  constructor(
    private readonly fd: number,
    private readonly onPiece: (piece: Fmp4Piece) => void,
  ) {}

  /** Reports the pieces completed since the last call (call after every write into the file). */
  scan(): void {
    for (;;) {
      const got = readSync(this.fd, this.head, 0, 16, this.boxStart);
      if (got < 8) return;
      let size = this.head.readUInt32BE(0);
      const type = this.head.toString('latin1', 4, 8);
      if (size === 1) {
        if (got < 16) return;
        size = Number(this.head.readBigUInt64BE(8));
      } else if (size < 8) {
        throw new Error(`fmp4: box '${type}' with size ${size} is not supported in a stream`);
      }
      // Written front to back: the box is complete once its last byte is there.
      if (readSync(this.fd, this.head, 0, 1, this.boxStart + size - 1) !== 1) return;
      if (type === 'moof') this.samples += countTrunSamples(this.readMoof(size));
      this.boxStart += size;
      const kind = CLOSING[type];
      if (!kind) continue;
      const samples = kind === 'fragment' ? this.samples : 0;
      const piece = { kind, offset: this.pieceStart, length: this.boxStart - this.pieceStart, samples };
      this.pieceStart = this.boxStart;
      this.samples = 0;
      this.onPiece(piece);
    }
  }

  /** Bytes written after the last complete piece. */
  get pendingBytes(): number {
    return this.boxStart - this.pieceStart;
  }

  /** The file was emptied: offsets start at 0 again. Throws if part of a piece was in it. */
  rewind(): void {
    if (this.pendingBytes !== 0) throw new Error('fmp4: cannot rewind in the middle of a piece');
    this.pieceStart = 0;
    this.boxStart = 0;
  }

  private readMoof(size: number): Buffer {
    if (size > this.moof.length) this.moof = Buffer.alloc(size);
    const n = readSync(this.fd, this.moof, 0, size, this.boxStart);
    return this.moof.subarray(0, n);
  }
}

/** Sum of sample_count over the trun boxes of a moof (moof > traf > trun). */
export function countTrunSamples(moof: Buffer): number {
  let total = 0;
  forEachChild(moof, 8, moof.length, (type, start, end) => {
    if (type !== 'traf') return;
    forEachChild(moof, start + 8, end, (t, s) => {
      // trun: version:u8 flags:u24 sample_count:u32 ...
      if (t === 'trun') total += moof.readUInt32BE(s + 12);
    });
  });
  return total;
}

/**
 * The timescale of the first track (moov > trak > mdia > mdhd): ticks per second of its decode
 * times. Null when the init section has none.
 */
export function readTrackTimescale(init: Buffer): number | null {
  let found: number | null = null;
  const descend = (from: number, to: number, path: string[]): void => {
    forEachChild(init, from, to, (type, start, end) => {
      if (found !== null) return;
      if (type === path[0]) {
        if (path.length > 1) descend(start + 8, end, path.slice(1));
        else {
          // mdhd: version:u8 flags:u24, then times of 4 (v0) or 8 (v1) bytes before the timescale.
          const version = init[start + 8];
          found = init.readUInt32BE(start + 8 + (version === 1 ? 20 : 12));
        }
      }
    });
  };
  descend(0, init.length, ['moov', 'trak', 'mdia', 'mdhd']);
  return found;
}

/**
 * Sets the base media decode time (tfdt, ISO/IEC 14496-12 §8.8.12) of every track fragment of a
 * fragment (moof + mdat, in memory). Returns how many tfdt boxes it set (0: none to set). A version 0
 * tfdt (32 bits) takes the value only when it fits.
 */
export function setFragmentDecodeTime(fragment: Buffer, baseMediaDecodeTime: bigint): number {
  let set = 0;
  forEachChild(fragment, 0, fragment.length, (type, start, end) => {
    if (type !== 'moof') return;
    forEachChild(fragment, start + 8, end, (t, s, e) => {
      if (t !== 'traf') return;
      forEachChild(fragment, s + 8, e, (tt, ts) => {
        if (tt !== 'tfdt') return;
        if (fragment[ts + 8] === 1) fragment.writeBigUInt64BE(baseMediaDecodeTime, ts + 12);
        else if (baseMediaDecodeTime <= 0xffffffffn)
          fragment.writeUInt32BE(Number(baseMediaDecodeTime), ts + 12);
        else throw new Error('fmp4: a version 0 tfdt cannot hold this decode time');
        set++;
      });
    });
  });
  return set;
}

function forEachChild(
  buf: Buffer,
  from: number,
  to: number,
  visit: (type: string, start: number, end: number) => void,
): void {
  let p = from;
  while (p + 8 <= to) {
    const size = buf.readUInt32BE(p);
    if (size < 8 || p + size > to) return;
    visit(buf.toString('latin1', p + 4, p + 8), p, p + size);
    p += size;
  }
}
