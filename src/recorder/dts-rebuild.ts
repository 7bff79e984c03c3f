/**
 * Decode timestamps rebuilt from presentation timestamps, the way libavformat derives them for B-frame
 * streams (compute_pkt_fields: the smallest of the last delay+1 pts), but started afresh at a segment's
 * first keyframe. Used after a timestamp reset: libavformat's own window then still holds pts of the old
 * timeline and hands out dts that go back at every GOP start until the new pts pass the old ones
 * (measured with gst-rtsp-server jumping 4 s back). The pts are never touched.
 */
export class DtsRebuilder {
  /** Ascending; the smallest is replaced by each new pts (a sliding window of the last delay+1 pts). */
  private readonly window: bigint[] = [];
  private last: bigint | null = null;

  constructor(private readonly delay: number) {}

  /** The dts for the next unit in decode order, or null when no valid one exists (dts would pass pts). */
  next(pts: bigint): bigint | null {
    let dts: bigint;
    if (this.window.length < this.delay + 1) {
      this.window.push(pts);
      this.window.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      // The first `delay` units: just below the first pts, one tick apart (a closed GOP's first frame
      // has the smallest pts of its GOP).
      const first = this.last === null ? pts - BigInt(this.delay) : this.last + 1n;
      dts = this.window.length <= this.delay ? first : this.window[0]!;
    } else {
      this.window[0] = pts;
      for (let i = 0; i < this.delay && this.window[i]! > this.window[i + 1]!; i++) {
        [this.window[i], this.window[i + 1]] = [this.window[i + 1]!, this.window[i]!];
      }
      dts = this.window[0]!;
    }
    if (this.last !== null && dts <= this.last) dts = this.last + 1n;
    if (dts > pts) return null;
    this.last = dts;
    return dts;
  }
}
