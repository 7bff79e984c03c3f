/**
 * The source's wallclock per frame from RTCP sender reports (RFC 3550 §6.4.1): the last SR pairs an
 * NTP time with an RTP timestamp of the same clock, so a frame with RTP timestamp t was sampled at
 * ntp + (t - sr_rtp) / clock_rate. A later SR that agrees with the anchor within a millisecond keeps
 * it: senders round one of the two clocks (kadr's server: the RTP timestamp to the 11 µs tick), and
 * re-anchoring at each SR would move every following frame by that rounding. One that disagrees by
 * more (clock drift, a restarted sender clock) becomes the anchor.
 */
import { ntpToUnixUs, type SenderReport } from './rtcp-sender-report.js';
import { rtpTimestampDiff } from './rtp-timestamp.js';

/** An SR this close to what the anchor predicts is the same clock. */
const KEEP_ANCHOR_US = 1000;

export class SenderReportClock {
  private anchorUs: number | null = null;
  private anchorRtp = 0;
  /** The NTP timestamp of the last SR as sent (for the LSR field of our receiver reports). */
  lastSrNtp: bigint | null = null;
  lastSrAtMs = 0;

  constructor(private readonly clockRate: number) {}

  observe(sr: SenderReport, receivedAtMs: number): void {
    const us = Number(ntpToUnixUs(sr.ntpTimestamp));
    const predictedMs = this.wallclockMs(sr.rtpTimestamp);
    if (predictedMs === null || Math.abs(predictedMs * 1000 - us) > KEEP_ANCHOR_US) {
      this.anchorUs = us;
      this.anchorRtp = sr.rtpTimestamp;
    }
    this.lastSrNtp = sr.ntpTimestamp;
    this.lastSrAtMs = receivedAtMs;
  }

  /** Wallclock in ms since 1970 of RTP timestamp `rtp`, or null before the first SR. */
  wallclockMs(rtp: number): number | null {
    if (this.anchorUs === null) return null;
    return (this.anchorUs + (rtpTimestampDiff(rtp, this.anchorRtp) * 1_000_000) / this.clockRate) / 1000;
  }
}
