/**
 * A camera's recording between two times as a bar: its segments, the gaps between them, and the
 * analytics events as marks. Clicking or dragging on it shows the exact frame at that time; the
 * buttons and the arrow keys step one frame back or forward (Shift: ten), through a frame session
 * that keeps the server's decoder warm. Two marks (start, end) bound a clip for the export.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, errorText } from '../api/client';
import type { components } from '../api/schema';
import { ErrorMessage } from '../components/field';
import { FrameSession, type FrameRequest, type ShownFrame } from './frame-session';
import { showTime } from './local-time';

type AnalyticsEvent = components['schemas']['AnalyticsEvent'];

/** The span marked for a clip, ISO 8601 (either end may be unset yet). */
export interface ClipMarks {
  from?: string;
  to?: string;
}

export interface TimelineSpan {
  from: string;
  to: string;
}

export interface ScrubTimelineProps {
  cameraId: string;
  name: string;
  window: TimelineSpan;
  segments: { id: string; start: string; end: string }[];
  gaps: { from: string; to: string; reason: string }[];
  /** The marks set on the timeline, for the clip export. */
  onMarks?: (marks: ClipMarks) => void;
}

const ms = (iso: string) => Date.parse(iso);

export function ScrubTimeline({ cameraId, name, window: span, segments, gaps, onMarks }: ScrubTimelineProps) {
  // The bar covers what was recorded in the span (a little more on each side), so that a few
  // minutes of recording in a span of hours is not a sliver.
  const recordedFrom = segments.length > 0 ? ms(segments[0]!.start) : ms(span.from);
  const recordedTo = segments.length > 0 ? ms(segments[segments.length - 1]!.end) : ms(span.to);
  const pad = Math.max((recordedTo - recordedFrom) * 0.02, 500);
  const fromMs = Math.max(ms(span.from), recordedFrom - pad);
  const toMs = Math.min(ms(span.to), recordedTo + pad);
  const width = Math.max(toMs - fromMs, 1);
  const pct = (t: number) => `${(Math.min(Math.max((t - fromMs) / width, 0), 1) * 100).toFixed(3)}%`;
  const session = useMemo(() => new FrameSession(cameraId), [cameraId]);
  useEffect(() => () => session.close(), [session]);
  const [frame, setFrame] = useState<ShownFrame | null>(null);
  const [asked, setAsked] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [events, setEvents] = useState<AnalyticsEvent[]>([]);
  const [marks, setMarks] = useState<ClipMarks>({});
  const bar = useRef<HTMLDivElement>(null);
  // One request at a time; while one runs, only the latest wish waits (a drag asks many times).
  const busy = useRef(false);
  const pending = useRef<(() => FrameRequest | null) | null>(null);
  const shown = useRef<ShownFrame | null>(null);

  useEffect(() => {
    const q = `camera=${cameraId}&from=${encodeURIComponent(span.from)}&to=${encodeURIComponent(span.to)}&limit=500`;
    api<{ items: AnalyticsEvent[] }>('GET', `/api/events?${q}`)
      .then((r) => setEvents(r.items))
      .catch(() => setEvents([]));
  }, [cameraId, span.from, span.to]);

  const run = async (wish: () => FrameRequest | null) => {
    pending.current = wish;
    if (busy.current) return;
    busy.current = true;
    try {
      while (pending.current) {
        const request = pending.current();
        pending.current = null;
        if (!request) continue;
        try {
          const next = await session.frame(request);
          if (shown.current) URL.revokeObjectURL(shown.current.src);
          shown.current = next;
          setFrame(next);
          setAsked('at' in request ? request.at : null);
          setError(null);
        } catch (e) {
          setError(errorText(e));
        }
      }
    } finally {
      busy.current = false;
    }
  };
  useEffect(() => () => void (shown.current && URL.revokeObjectURL(shown.current.src)), []);

  const scrubTo = (t: number) => void run(() => ({ at: new Date(Math.round(t)).toISOString() }));
  const step = (by: number) =>
    void run(() => {
      const f = shown.current;
      if (f) return { segmentId: f.segmentId, index: f.index, step: by };
      // Nothing shown yet: the first recorded frame of the span.
      return segments[0] ? { at: new Date(ms(segments[0].start) + 1).toISOString() } : null;
    });
  const timeAtPointer = (e: PointerEvent) => {
    const r = bar.current!.getBoundingClientRect();
    return fromMs + (Math.min(Math.max(e.clientX - r.left, 0), r.width) / r.width) * width;
  };
  const onKey = (e: KeyboardEvent) => {
    const big = e.shiftKey ? 10 : 1;
    const keys: Record<string, () => void> = {
      ArrowRight: () => step(big),
      ArrowLeft: () => step(-big),
      PageUp: () => scrubTo((frame?.wallclockMs ?? fromMs) + width / 20),
      PageDown: () => scrubTo((frame?.wallclockMs ?? fromMs) - width / 20),
      Home: () => segments[0] && scrubTo(ms(segments[0].start) + 1),
      End: () => segments.length > 0 && scrubTo(ms(segments[segments.length - 1]!.end) - 1),
    };
    const act = keys[e.key];
    if (!act) return;
    e.preventDefault();
    act();
  };
  const current = frame ? frame.wallclockMs : fromMs;
  useEffect(() => onMarks?.(marks), [marks]);

  return (
    <section class="card" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      <p class="muted">
        {showTime(new Date(fromMs).toISOString())} to {showTime(new Date(toMs).toISOString())} · click or drag
        to show a frame; ← → step one frame (Shift: ten)
      </p>
      <div
        ref={bar}
        class="timeline"
        role="slider"
        tabIndex={0}
        aria-label={`Recording of ${name}: time shown`}
        aria-valuemin={fromMs}
        aria-valuemax={toMs}
        aria-valuenow={Math.floor(current)}
        aria-valuetext={frame ? showTime(frame.frameTime) : 'no frame shown yet'}
        onKeyDown={onKey}
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          e.currentTarget.focus();
          scrubTo(timeAtPointer(e));
        }}
        onPointerMove={(e) => {
          if (e.buttons === 1) scrubTo(timeAtPointer(e));
        }}
      >
        {segments.map((s) => (
          <span
            key={s.id}
            class="tl-segment"
            style={{ left: pct(ms(s.start)), width: `calc(${pct(ms(s.end))} - ${pct(ms(s.start))})` }}
          />
        ))}
        {gaps.map((g) => (
          <span
            key={g.from}
            class="tl-gap"
            title={`not recorded: ${g.reason}`}
            style={{ left: pct(ms(g.from)), width: `calc(${pct(ms(g.to))} - ${pct(ms(g.from))})` }}
          />
        ))}
        {events.map((ev) => (
          <span
            key={ev.id}
            class="tl-event"
            title={`${ev.type}${ev.className ? ` ${ev.className}` : ''} at ${showTime(ev.start)}`}
            style={{ left: pct(ev.startWallclockMs) }}
          />
        ))}
        {marks.from && <span class="tl-mark" style={{ left: pct(ms(marks.from)) }} />}
        {marks.to && <span class="tl-mark" style={{ left: pct(ms(marks.to)) }} />}
        {frame && <span class="tl-cursor" style={{ left: pct(frame.wallclockMs) }} />}
      </div>
      <div class="actions timeline-actions">
        <button type="button" onClick={() => step(-1)} disabled={!frame}>
          ◀ Previous frame
        </button>
        <button type="button" onClick={() => step(1)} disabled={!frame}>
          Next frame ▶
        </button>
        <button
          type="button"
          disabled={!frame}
          onClick={() => frame && setMarks((m) => ({ ...m, from: frame.frameTime }))}
        >
          Mark start
        </button>
        <button
          type="button"
          disabled={!frame}
          onClick={() =>
            frame && setMarks((m) => ({ ...m, to: new Date(frame.wallclockMs + 1).toISOString() }))
          }
        >
          Mark end
        </button>
      </div>
      <ErrorMessage text={error} />
      {frame && (
        <figure
          class="frame"
          data-segment={frame.segmentId}
          data-index={frame.index}
          data-pts={frame.ptsTicks}
          data-wallclock-ms={frame.wallclockMs}
          data-at={asked ?? ''}
        >
          <img src={frame.src} alt={`Frame of ${name} captured ${showTime(frame.frameTime)}`} />
          <figcaption class="shown-frame">
            <strong>{showTime(frame.frameTime)}</strong> (
            {frame.clock === 'rtcp' ? "camera's clock" : 'time received'}) · frame {frame.index} of its
            segment · PTS {frame.ptsTicks} × {frame.timeBase} s
          </figcaption>
        </figure>
      )}
      {(marks.from || marks.to) && (
        <p class="muted">
          Marked: {marks.from ? showTime(marks.from) : '(no start)'} to{' '}
          {marks.to ? showTime(marks.to) : '(no end)'}
        </p>
      )}
      {events.length > 0 && (
        <details>
          <summary>{events.length} events in this window</summary>
          <ul class="tl-events">
            {events.slice(0, 100).map((ev) => (
              <li key={ev.id}>
                <button type="button" class="link-like" onClick={() => scrubTo(ms(ev.start))}>
                  {showTime(ev.start)}
                </button>{' '}
                {ev.type}
                {ev.className ? ` (${ev.className})` : ''}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
