/**
 * What the recorder says about packet loss while it records: a warning when a loss begins a damaged
 * stretch (at most one a second, with the totals since the last one), and the packets lost before a
 * segment's first frame (frames dropped while waiting for a keyframe) carried into that frame, so that
 * the segment's index counts every packet lost since the previous segment ended.
 */
import type { CameraUnit } from '../streams/index.js';
import type { Logger } from '../core/logger.js';

export class LossLog {
  private carried = 0;
  private lostSinceLog = 0;
  private lastLogMs = -Infinity;
  private total = 0;

  constructor(private readonly log: Logger) {}

  /** Every unit received, recorded or not. */
  seen(unit: CameraUnit, keyframeRequests: number): void {
    const lost = unit.loss?.lostPackets ?? 0;
    if (lost === 0) return;
    this.total += lost;
    this.lostSinceLog += lost;
    const now = performance.now();
    if (now - this.lastLogMs < 1000) return;
    this.lastLogMs = now;
    this.log.warn('packets lost', {
      lost: this.lostSinceLog,
      lostTotal: this.total,
      pts: String(unit.pts),
      keyframeRequests,
    });
    this.lostSinceLog = 0;
  }

  /** A unit that is not recorded (before a keyframe): its losses go to the next recorded one. */
  dropped(unit: CameraUnit): void {
    this.carried += unit.loss?.lostPackets ?? 0;
  }

  /** The first unit of a segment takes the losses of the units dropped before it. */
  carryInto(unit: CameraUnit): void {
    if (this.carried === 0 || !unit.loss) return;
    unit.loss = { ...unit.loss, lostPackets: unit.loss.lostPackets + this.carried };
    this.carried = 0;
  }
}
