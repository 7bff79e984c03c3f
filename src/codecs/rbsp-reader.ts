/**
 * Bit reader over a NAL unit's payload (H.264 §7.2, H.265 §7.2): the emulation prevention bytes
 * (00 00 03) are removed first, then fixed-width fields and Exp-Golomb codes (ue(v), se(v)) are read
 * most significant bit first. Reading past the end throws: a truncated parameter set is not guessed at.
 */
export class RbspReader {
  private readonly bytes: Uint8Array;
  private bit = 0;

  constructor(nal: Uint8Array, headerBytes: number) {
    this.bytes = unescapeRbsp(nal.subarray(headerBytes));
  }

  u(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.u1();
    return v;
  }

  u1(): number {
    const byte = this.bit >> 3;
    if (byte >= this.bytes.length) throw new Error('parameter set ends early');
    const v = (this.bytes[byte]! >> (7 - (this.bit & 7))) & 1;
    this.bit++;
    return v;
  }

  skip(n: number): void {
    this.bit += n;
    if (this.bit > this.bytes.length * 8) throw new Error('parameter set ends early');
  }

  ue(): number {
    let zeros = 0;
    while (this.u1() === 0) {
      if (++zeros > 31) throw new Error('bad Exp-Golomb code');
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }

  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}

/** Removes every 0x03 that follows two zero bytes (emulation prevention). */
export function unescapeRbsp(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  let n = 0;
  let zeros = 0;
  for (const b of data) {
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out[n++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, n);
}
