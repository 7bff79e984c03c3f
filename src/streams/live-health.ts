/**
 * The rates of a live camera measured from what it sends: frames per second from the PTS of the units
 * (never from the SDP or a configured rate), bits per second from their bytes over the same span of
 * presentation time. A window of the last few seconds of PTS, restarted at each new connection (the
 * PTS of a new connection start again from 0).
 */
import type { MediaUnit } from '../core/media-unit.js';

const WINDOW_SEC = 5;

interface Sample {
  sec: number;
  bytes: number;
}

export class RateMeter {
  private samples: Sample[] = [];
  private head = 0;
  private bytes = 0;

  add(unit: MediaUnit): void {
    const sec = (Number(unit.pts) * unit.timeBase.num) / unit.timeBase.den;
    this.samples.push({ sec, bytes: unit.data.length });
    this.bytes += unit.data.length;
    while (this.head < this.samples.length - 1 && sec - this.samples[this.head]!.sec > WINDOW_SEC) {
      this.bytes -= this.samples[this.head]!.bytes;
      this.head++;
    }
    if (this.head > 1024) {
      this.samples = this.samples.slice(this.head);
      this.head = 0;
    }
  }

  reset(): void {
    this.samples = [];
    this.head = 0;
    this.bytes = 0;
  }

  /** Frames per second over the window's PTS span (B-frames reorder PTS: the span is min to max). */
  get fps(): number | null {
    const span = this.span();
    return span === null ? null : (this.count - 1) / span;
  }

  /** Bits per second: the bytes of all but the window's last unit over its PTS span. */
  get bitrateBps(): number | null {
    const span = this.span();
    return span === null ? null : ((this.bytes - this.samples.at(-1)!.bytes) * 8) / span;
  }

  private get count(): number {
    return this.samples.length - this.head;
  }

  private span(): number | null {
    if (this.count < 2) return null;
    let min = Infinity;
    let max = -Infinity;
    for (let i = this.head; i < this.samples.length; i++) {
      const s = this.samples[i]!.sec;
      if (s < min) min = s;
      if (s > max) max = s;
    }
    return max > min ? max - min : null;
  }
}
