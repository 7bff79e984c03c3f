/**
 * Keeps a live source connected: one attempt per connection, and when a
 * connection is lost or cannot be made, a back-off wait before the next (doubling from
 * `reconnectMinMs` to `reconnectMaxMs`, back to the minimum after a connection that delivered units).
 * Each attempt after a loss is told where the gap began (the last unit received) and why.
 *
 * While it waits it probes the source cheaply (for RTSP, one TCP connect to the port:
 * source-probe.ts) and ends the wait as soon as a source it saw down answers again, so a recording
 * resumes within a probe interval of the source's return instead of at the next back-off step (with
 * 0.5, 1, 2, 4, 8 s a 10 s outage used to cost 15.5 s). A source that answers the probe but still
 * refuses the stream (the camera behind a proxy is down) keeps the plain back-off.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, silentLogger } from '../core/logger.js';

/** Where a gap in the units began, and what ended the connection before it. */
export interface GapMark {
  fromMs: number;
  reason: string;
}

export interface Attempt {
  /** 1 for the first connection. */
  connection: number;
  /** null for the first connection, and after connections that never delivered a unit. */
  gapBefore: GapMark | null;
}

export type AttemptOutcome =
  /** Stop supervising: stopped by the caller, or the source ended for good. */
  | { kind: 'done' }
  | { kind: 'lost'; reason: string; framesReceived: number; lastReceivedAtMs: number | null };

export interface SupervisorOptions {
  signal: AbortSignal;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Is the source there again? Cheap, and bounded in time by itself. */
  probe?: () => Promise<boolean>;
  probeIntervalMs?: number;
  logger?: Logger;
}

export class SourceSupervisor {
  /** Connections attempted so far. */
  connections = 0;
  private readonly log: Logger;

  constructor(private readonly o: SupervisorOptions) {
    this.log = o.logger ?? silentLogger;
  }

  /**
   * Runs attempts until one is `done` or the signal aborts. An attempt that throws could not connect:
   * `onConnectError` may rethrow to give up (a CLI user's typo on the first connection).
   */
  async run(
    attempt: (a: Attempt) => Promise<AttemptOutcome>,
    onConnectError?: (error: unknown, connection: number) => Promise<void>,
  ): Promise<void> {
    const { signal } = this.o;
    const minMs = this.o.reconnectMinMs ?? 500;
    const maxMs = this.o.reconnectMaxMs ?? 30_000;
    let backoffMs = minMs;
    let lastReceivedAtMs: number | null = null;
    let lostReason = '';
    while (!signal.aborted) {
      const connection = ++this.connections;
      try {
        const outcome = await attempt({
          connection,
          gapBefore: lastReceivedAtMs === null ? null : { fromMs: lastReceivedAtMs, reason: lostReason },
        });
        if (outcome.kind === 'done') break;
        if (outcome.lastReceivedAtMs !== null) lastReceivedAtMs = outcome.lastReceivedAtMs;
        lostReason = outcome.reason;
        if (outcome.framesReceived > 0) backoffMs = minMs;
        if (outcome.framesReceived === 0 && !lostReason) lostReason = 'no frames from the source';
      } catch (error) {
        if (signal.aborted) break;
        await onConnectError?.(error, connection);
        // The gap's reason stays what ended the last connection, not the failed attempts after it.
        if (!lostReason) lostReason = (error as Error).message;
        this.log.warn('cannot connect to the source', { error: lostReason, retryInMs: backoffMs });
      }
      if (!(await this.wait(backoffMs))) break;
      backoffMs = Math.min(maxMs, backoffMs * 2);
    }
  }

  /** Waits `ms`, less if the probe sees the source come back; false when the signal aborted. */
  private async wait(ms: number): Promise<boolean> {
    const { signal, probe } = this.o;
    const interval = this.o.probeIntervalMs ?? 250;
    const deadline = performance.now() + ms;
    let sawDown = false;
    let sawUp = false;
    try {
      for (;;) {
        const left = deadline - performance.now();
        if (left <= 0) return true;
        if (probe && !sawUp) {
          const up = await probe();
          if (signal.aborted) return false;
          if (!up) sawDown = true;
          else if (sawDown) {
            this.log.info('source answers again, reconnecting');
            return true;
          } else {
            // Up without having been seen down: the port answers but the stream was refused (a
            // camera that accepts TCP and never answers RTSP). Probing on would only open a TCP
            // connection at it every interval for the whole back-off; the plain back-off applies.
            sawUp = true;
          }
        }
        const rest = deadline - performance.now();
        const step = probe && !sawUp ? Math.min(interval, rest) : rest;
        if (step > 0) await sleep(step, undefined, { signal });
      }
    } catch {
      return false;
    }
  }
}
