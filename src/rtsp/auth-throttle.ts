/**
 * Slows down password guessing: each failed authentication from an address is answered later than the
 * one before (the first few at once, then a delay that doubles up to a cap), and the failures of one
 * address are answered one after another even over parallel connections, so opening more connections
 * does not buy more guesses per second. Other addresses are not affected, a right password is never
 * delayed, and nothing blocks the event loop: the caller awaits the delay on that request alone.
 * Memory is bounded: at most `maxAddresses` entries, the oldest dropped first, and an address is
 * forgotten `forgetAfterMs` after its last failure or at its first success.
 */
export interface AuthThrottleOptions {
  /** Failures answered without delay (a user mistyping, a client's first try with a stale nonce). */
  freeFailures?: number;
  /** Delay of the first failure past the free ones; it doubles with each further failure. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  forgetAfterMs?: number;
  maxAddresses?: number;
  /** For tests; defaults to Date.now. */
  now?: () => number;
}

interface Entry {
  failures: number;
  /** When the last delayed failure of this address is answered. */
  answerAtMs: number;
  lastFailureMs: number;
}

export class AuthThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly freeFailures: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly forgetAfterMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(options: AuthThrottleOptions = {}) {
    this.freeFailures = options.freeFailures ?? 3;
    this.baseDelayMs = options.baseDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 4000;
    this.forgetAfterMs = options.forgetAfterMs ?? 10 * 60_000;
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Records a failure; returns how many ms to wait before answering it. */
  failed(address: string): number {
    const now = this.now();
    let entry = this.entries.get(address);
    if (entry && now - entry.lastFailureMs > this.forgetAfterMs) entry = undefined;
    entry ??= { failures: 0, answerAtMs: now, lastFailureMs: now };
    entry.failures++;
    entry.lastFailureMs = now;
    // re-inserted, so that the Map's order stays oldest failure first
    this.entries.delete(address);
    this.entries.set(address, entry);
    if (this.entries.size > this.maxAddresses) this.entries.delete(this.entries.keys().next().value!);
    const over = entry.failures - this.freeFailures;
    if (over <= 0) return 0;
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(over - 1, 30));
    entry.answerAtMs = Math.max(now, entry.answerAtMs) + delay;
    return entry.answerAtMs - now;
  }

  succeeded(address: string): void {
    this.entries.delete(address);
  }

  /** Failures on record for an address (tests, logs). */
  failures(address: string): number {
    return this.entries.get(address)?.failures ?? 0;
  }

  get trackedAddresses(): number {
    return this.entries.size;
  }
}
