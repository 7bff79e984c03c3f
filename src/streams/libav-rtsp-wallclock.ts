/**
 * The source's wallclock per frame, from the AV_PKT_DATA_PRFT side data that libavformat computes from
 * the last RTCP sender report (SR ntp + (rtp - SR rtp) / clock rate, rtpdec.c). The offset wallclock - pts
 * is constant for a source whose RTP clock follows its NTP clock, but the first one or two packets tagged
 * after a new SR can carry the neighbouring unit's value (off by one frame interval, measured with
 * gst-rtsp-server). So an offset is trusted only when two consecutive packets agree on it, and every
 * frame's wallclock is that offset plus its own pts: exact, and never a mis-tagged value.
 */
import type { Rational } from '../core/rational.js';

/** Two offsets closer than this are the same clock (drift measured at 0.0-0.4 µs per 10 s). */
const AGREE_US = 500;

export class WallclockTracker {
  private candidateUs: number | null = null;
  private trustedUs: number | null = null;

  /** Feeds one unit (its pts and PRFT, if any); returns its wallclock in ms or null while unknown. */
  observe(pts: bigint, prftUs: bigint | null, tb: Rational): number | null {
    const ptsUs = (Number(pts) * tb.num * 1_000_000) / tb.den;
    if (prftUs !== null) {
      const offsetUs = Number(prftUs) - ptsUs;
      if (this.candidateUs !== null && Math.abs(offsetUs - this.candidateUs) <= AGREE_US)
        this.trustedUs = offsetUs;
      this.candidateUs = offsetUs;
    }
    return this.trustedUs === null ? null : (this.trustedUs + ptsUs) / 1000;
  }
}
