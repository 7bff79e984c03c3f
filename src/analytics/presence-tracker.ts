/**
 * Presence with hysteresis over the analysed frames of one camera: something (people, an object class,
 * faces, one profile's face) has appeared once it is seen in at least `appearIn` of the last `window`
 * analysed frames, and has left once it has not been seen for `leaveAfterMs`. The event's start is the
 * first of those frames and its end the last frame it was seen in: both are analysed frames, so their
 * pts and wallclock name exact frames of the recording. The best frame (highest score) is the event's
 * snapshot. Knows no clock but the frames' own wallclocks.
 */

export type PresenceType = 'person' | 'object' | 'face' | 'profile';

/** What one analysed frame shows of one key (the best score and how many there were). */
export interface Observation {
  /** Identity of the presence: `person`, `object:car`, `face`, `profile:<id>`. */
  key: string;
  type: PresenceType;
  className: string | null;
  profileId: string | null;
  score: number;
  count: number;
}

/** An analysed frame; `snapshot` is whatever the caller keeps to show it (a JPEG). */
export interface TrackedFrame<S> {
  pts: bigint;
  wallMs: number;
  snapshot: S | undefined;
}

export type PresenceChange<S> =
  | {
      kind: 'start';
      key: string;
      obs: Observation;
      start: TrackedFrame<S>;
      best: TrackedFrame<S>;
      bestScore: number;
      maxCount: number;
    }
  | { kind: 'best'; key: string; best: TrackedFrame<S>; bestScore: number; maxCount: number }
  | { kind: 'end'; key: string; end: TrackedFrame<S>; maxCount: number };

export interface PresenceOptions {
  window?: number;
  appearIn?: number;
  leaveAfterMs?: number;
}

interface KeyState<S> {
  history: { frame: TrackedFrame<S>; obs: Observation | null }[];
  open: boolean;
  lastSeen: TrackedFrame<S> | null;
  bestScore: number;
  maxCount: number;
}

export class PresenceTracker<S> {
  private readonly states = new Map<string, KeyState<S>>();
  private readonly window: number;
  private readonly appearIn: number;
  private readonly leaveAfterMs: number;

  constructor(o: PresenceOptions = {}) {
    this.window = o.window ?? 3;
    this.appearIn = o.appearIn ?? 2;
    this.leaveAfterMs = o.leaveAfterMs ?? 2000;
  }

  /** Keys with an open event. */
  openKeys(): string[] {
    return [...this.states].filter(([, s]) => s.open).map(([k]) => k);
  }

  push(frame: TrackedFrame<S>, observations: readonly Observation[]): PresenceChange<S>[] {
    const changes: PresenceChange<S>[] = [];
    const seen = new Map(observations.map((o) => [o.key, o]));
    for (const key of seen.keys()) {
      if (!this.states.has(key))
        this.states.set(key, { history: [], open: false, lastSeen: null, bestScore: 0, maxCount: 0 });
    }
    for (const [key, st] of this.states) {
      const obs = seen.get(key) ?? null;
      st.history.push({ frame, obs });
      if (st.history.length > this.window) st.history.shift();
      if (obs) st.lastSeen = frame;
      if (!st.open) {
        const present = st.history.filter((h) => h.obs);
        if (present.length >= this.appearIn) {
          st.open = true;
          let best = present[0]!;
          for (const h of present) if (h.obs!.score > best.obs!.score) best = h;
          st.bestScore = best.obs!.score;
          st.maxCount = Math.max(...present.map((h) => h.obs!.count));
          changes.push({
            kind: 'start',
            key,
            obs: best.obs!,
            start: present[0]!.frame,
            best: best.frame,
            bestScore: st.bestScore,
            maxCount: st.maxCount,
          });
        } else if (present.length === 0) {
          this.states.delete(key);
        }
        continue;
      }
      if (obs) {
        st.maxCount = Math.max(st.maxCount, obs.count);
        if (obs.score > st.bestScore) {
          st.bestScore = obs.score;
          changes.push({ kind: 'best', key, best: frame, bestScore: obs.score, maxCount: st.maxCount });
        }
      } else if (st.lastSeen && frame.wallMs - st.lastSeen.wallMs >= this.leaveAfterMs) {
        changes.push({ kind: 'end', key, end: st.lastSeen, maxCount: st.maxCount });
        this.states.delete(key);
      }
    }
    return changes;
  }

  /** Ends every open event at the last frame it was seen in (analytics detached or stopped). */
  flush(): PresenceChange<S>[] {
    const changes: PresenceChange<S>[] = [];
    for (const [key, st] of this.states) {
      if (st.open && st.lastSeen) changes.push({ kind: 'end', key, end: st.lastSeen, maxCount: st.maxCount });
    }
    this.states.clear();
    return changes;
  }
}
