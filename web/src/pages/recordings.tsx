/** A camera's recorded segments and gaps between two times; a segment's start opens its first frame. */
import { useState } from 'preact/hooks';
import { api, errorText } from '../api/client';
import type { paths } from '../api/schema';
import { ErrorMessage, Field } from '../components/field';
import { fromLocalInput, showTime, toLocalInput } from './local-time';

export type Recordings =
  paths['/api/cameras/{id}/recordings']['get']['responses'][200]['content']['application/json'];

/**
 * A time on a segment's first frame: `start` is given to the millisecond, cut down from the
 * frame's finer wallclock, so that it can lie just before that frame (in no segment); 1 ms later
 * is at or after it and still before the next frame.
 */
const firstFrameTime = (start: string) => new Date(Date.parse(start) + 1).toISOString();

export interface RecordingsListProps {
  cameraId: string;
  onOpen: (iso: string) => void;
  /** The list as loaded, with the span it covers (ISO 8601): the timeline draws it. */
  onList?: (list: Recordings, span: { from: string; to: string }) => void;
}

export function RecordingsList({ cameraId, onOpen, onList }: RecordingsListProps) {
  const [from, setFrom] = useState(() => toLocalInput(new Date(Date.now() - 3600_000), false));
  const [to, setTo] = useState(() => toLocalInput(new Date(Date.now() + 3600_000), false));
  const [list, setList] = useState<Recordings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const f = fromLocalInput(from);
    const t = fromLocalInput(to);
    if (!f || !t) return setError('Give both times, e.g. 2026-12-05 14:00:00.');
    try {
      const loaded = await api<Recordings>(
        'GET',
        `/api/cameras/${cameraId}/recordings?from=${encodeURIComponent(f)}&to=${encodeURIComponent(t)}`,
      );
      setList(loaded);
      onList?.(loaded, { from: f, to: t });
    } catch (error) {
      setError(errorText(error));
    }
  };
  return (
    <section class="card" aria-labelledby="recordings-title">
      <h2 id="recordings-title">Recordings</h2>
      <form class="inline-form" onSubmit={load} noValidate>
        <Field id="rec-from" label="From">
          {(a) => (
            <input
              {...a}
              type="datetime-local"
              step="1"
              value={from}
              onInput={(e) => setFrom(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field id="rec-to" label="To">
          {(a) => (
            <input
              {...a}
              type="datetime-local"
              step="1"
              value={to}
              onInput={(e) => setTo(e.currentTarget.value)}
            />
          )}
        </Field>
        <button type="submit">List recordings</button>
      </form>
      <ErrorMessage text={error} />
      {list &&
        (list.segments.length === 0 ? (
          <p>
            Nothing was recorded between these times. Start recording on the cameras page, or pick other
            times.
          </p>
        ) : (
          <ul class="segments" aria-label="Recorded segments">
            {list.segments.map((s) => (
              <li key={s.id}>
                <button type="button" class="link-like" onClick={() => onOpen(firstFrameTime(s.start))}>
                  {showTime(s.start)}
                </button>{' '}
                to {showTime(s.end)} · {s.frames} frames
              </li>
            ))}
          </ul>
        ))}
      {list && list.gaps.length > 0 && (
        <>
          <h3>Gaps</h3>
          <ul>
            {list.gaps.map((g) => (
              <li key={g.from}>
                {showTime(g.from)} to {showTime(g.to)}: {g.reason}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
