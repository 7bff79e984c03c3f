/**
 * The source's wallclock per frame from RTCP sender reports (RFC 3550 §6.4.1): the last SR pairs an
 * NTP time with an RTP timestamp of the same clock, so a frame with RTP timestamp t was sampled at
 * ntp + (t - sr_rtp) / clock_rate. Every SR replaces the anchor (the sender's clocks may drift apart
 * slowly; the newest pair is the closest one).
 */
import { ntpToUnixUs, type SenderReport } from './rtcp-sender-report.js';
import { rtpTimestampDiff } from './rtp-timestamp.js';

export class SenderReportClock {
  private anchorUs: number | null = null;
  private anchorRtp = 0;
  /** The NTP timestamp of the last SR as sent (for the LSR field of our receiver reports). */
  lastSrNtp: bigint | null = null;
  lastSrAtMs = 0;

  constructor(private readonly clockRate: number) {}

  observe(sr: SenderReport, receivedAtMs: number): void {
    this.anchorUs = Number(ntpToUnixUs(sr.ntpTimestamp));
    this.anchorRtp = sr.rtpTimestamp;
    this.lastSrNtp = sr.ntpTimestamp;
    this.lastSrAtMs = receivedAtMs;
  }

  /** Wallclock in ms since 1970 of RTP timestamp `rtp`, or null before the first SR. */
  wallclockMs(rtp: number): number | null {
    if (this.anchorUs === null) return null;
    return (this.anchorUs + (rtpTimestampDiff(rtp, this.anchorRtp) * 1_000_000) / this.clockRate) / 1000;
  }
}
