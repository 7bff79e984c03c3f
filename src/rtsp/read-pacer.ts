/**
 * Resumes paused sockets together, on one shared clock. Each playing RTSP connection pauses after a
 * read so that the kernel gathers a few dozen RTP packets for the next one (rtsp-client.ts). With a
 * timer per connection, N recordings woke the process N times per period, each for one socket; on
 * one clock they are resumed in the same tick and their reads come in the same event-loop turn: one
 * wakeup for all of them, and one timer instead of N. Measured at 8 recordings: (docs/recording.md).
 */
export interface Resumable {
  resume(): unknown;
}

export class ReadPacer {
  private readonly waiting = new Set<Resumable>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly periodMs: number) {}

  /** Resumes `socket` at the next tick (within one period). */
  later(socket: Resumable): void {
    this.waiting.add(socket);
    if (this.timer) return;
    // Not unref'd: a paused socket is not an active handle, so with every connection paused this
    // timer is what keeps the process alive until they resume. It stops when nobody waits.
    this.timer = setInterval(() => this.tick(), this.periodMs);
  }

  /** Forgets `socket` (closed): it is not resumed. */
  cancel(socket: Resumable): void {
    this.waiting.delete(socket);
  }

  private tick(): void {
    if (this.waiting.size === 0) {
      clearInterval(this.timer!);
      this.timer = null;
      return;
    }
    const due = [...this.waiting];
    this.waiting.clear();
    for (const socket of due) socket.resume();
  }
}
