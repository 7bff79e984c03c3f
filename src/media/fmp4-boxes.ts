/**
 * Splits the byte stream of libavformat's fragmented-MP4 muxer back into its pieces as the bytes
 * arrive (in whatever chunks the AVIO buffer hands over): the init section (ftyp + moov), then one
 * piece per fragment ([prft] + moof + mdat, ISO/IEC 14496-12 §8.8), then the trailer (mfra). A piece is
 * handed on only once its last box is complete, so a consumer that stores pieces in order always holds
 * a playable file, and it learns how many samples (frames) each fragment carries from the trun boxes.
 *
 *   box = size:u32 type:char[4] [largesize:u64 when size == 1] payload
 */
export type Fmp4PieceKind = 'init' | 'fragment' | 'trailer';

export interface Fmp4Piece {
  kind: Fmp4PieceKind;
  bytes: Buffer;
  /** Samples in the fragment (sum of its trun sample_count); 0 for init and trailer. */
  samples: number;
}

/** Boxes that close a piece: after them the bytes gathered so far form one piece. */
const CLOSING: Record<string, Fmp4PieceKind> = { moov: 'init', mdat: 'fragment', mfra: 'trailer' };

export class Fmp4BoxSplitter {
  private chunks: Buffer[] = [];
  private length = 0;
  /** Offset (within the gathered bytes) of the box being received. */
  private boxStart = 0;
  private samples = 0;

  constructor(private readonly onPiece: (piece: Fmp4Piece) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
    for (;;) {
      if (this.length - this.boxStart < 8) return;
      const head = this.peek(this.boxStart, Math.min(16, this.length - this.boxStart));
      let size = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      if (size === 1) {
        if (head.length < 16) return;
        size = Number(head.readBigUInt64BE(8));
      } else if (size === 0 || size < 8) {
        throw new Error(`fmp4: box '${type}' with size ${size} is not supported in a stream`);
      }
      const end = this.boxStart + size;
      if (this.length < end) return;
      if (type === 'moof') this.samples += countTrunSamples(this.peek(this.boxStart, size));
      const kind = CLOSING[type];
      if (kind) this.emit(kind, end);
      else this.boxStart = end;
    }
  }

  /** Bytes received that do not yet form a complete piece. */
  get pendingBytes(): number {
    return this.length;
  }

  private emit(kind: Fmp4PieceKind, end: number): void {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.length);
    const bytes = all.subarray(0, end);
    const rest = all.subarray(end);
    this.chunks = rest.length ? [rest] : [];
    this.length = rest.length;
    this.boxStart = 0;
    const samples = kind === 'fragment' ? this.samples : 0;
    this.samples = 0;
    this.onPiece({ kind, bytes, samples });
  }

  private peek(offset: number, n: number): Buffer {
    let skip = offset;
    const parts: Buffer[] = [];
    let need = n;
    for (const c of this.chunks) {
      if (skip >= c.length) {
        skip -= c.length;
        continue;
      }
      const part = c.subarray(skip, Math.min(c.length, skip + need));
      parts.push(part);
      need -= part.length;
      skip = 0;
      if (need === 0) break;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
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
