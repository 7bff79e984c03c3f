/**
 * Byte buffers of access-unit size (tens of KiB) carved one after another out of large shared ones,
 * as Node's own pool does for `Buffer.allocUnsafe` under 4 KiB: one ArrayBuffer (each bookkept apart
 * by V8) per megabyte instead of one per access unit. The bytes allocated are the same, and those are
 * what V8 counts towards starting a full collection (docs/live-cameras.md): fewer copies, not slabs,
 * are what cut that. A slab is freed by the garbage collector once no view of it is left, so a
 * view may be kept as long as its holder wants; it keeps its whole slab alive, which is why a source
 * of short-lived units (a camera's) has slabs of its own.
 */
const SLAB_BYTES = 1 << 20;

export class ByteSlabs {
  private slab: Buffer | null = null;
  private used = 0;

  constructor(private readonly slabBytes = SLAB_BYTES) {}

  /** `n` bytes of unspecified content, owned by the caller. */
  take(n: number): Buffer {
    // A large one alone: carved, it would leave most of a slab unused.
    if (n > this.slabBytes / 4) return Buffer.allocUnsafeSlow(n);
    if (!this.slab || this.used + n > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(this.slabBytes);
      this.used = 0;
    }
    const out = this.slab.subarray(this.used, this.used + n);
    this.used += (n + 7) & ~7; // 8-byte aligned, like Node's pool
    return out;
  }

  /** A copy of `bytes`. */
  copy(bytes: Uint8Array): Buffer {
    const out = this.take(bytes.length);
    out.set(bytes);
    return out;
  }
}
