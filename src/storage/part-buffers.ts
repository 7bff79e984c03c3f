/**
 * Multipart part buffers, kept for reuse. A recording fills one part buffer at a time and hands it to
 * the upload when full; the buffer comes back when the part is stored. Reusing them keeps a long
 * recording's memory flat and spares V8 the churn of fresh 5 MiB buffers: external memory allocated
 * that fast is what starts V8's mark-compacts (docs/recording.md, Performance).
 */
export class PartBufferPool {
  private readonly idle: Buffer[] = [];

  /** `maxIdle` bounds the memory held for nobody (idle buffers × size). */
  constructor(
    readonly size: number,
    private readonly maxIdle = 4,
  ) {}

  take(): Buffer {
    // allocUnsafeSlow: outside Node's small-buffer pool; every byte is written before it is read.
    return this.idle.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  give(buffer: Buffer): void {
    if (buffer.length === this.size && this.idle.length < this.maxIdle) this.idle.push(buffer);
  }

  get idleCount(): number {
    return this.idle.length;
  }
}
