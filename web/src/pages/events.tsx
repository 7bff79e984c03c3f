/**
 * Analytics events: filtered by camera, type, time and person (the filters live in the URL, so a
 * filtered list can be linked to), in the API's cursor pages (oldest first), and the events that
 * start while the page is open, newest first above them, from the live event stream (an EventSource
 * cannot send a header: the token goes as ?access_token=, which only the event routes take).
 */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, getToken, type Camera } from '../api/client';
import { ErrorMessage, Field } from '../components/field';
import { type AnalyticsEvent, EventItem } from './events-item';
import { fromLocalInput, toLocalInput } from './local-time';
import { profileName, useProfile } from './profile-name';

const PAGE_SIZE = 50;
const TYPES = ['person', 'object', 'face', 'profile'] as const;
const DAY_MS = 24 * 3600 * 1000;

interface Filters {
  camera: string;
  type: string;
  profile: string;
  /** datetime-local values ('' = open). */
  from: string;
  to: string;
}

function filtersFromUrl(): Filters {
  const q = new URLSearchParams(location.search);
  const time = (key: string) => {
    const v = q.get(key);
    return v && !Number.isNaN(Date.parse(v)) ? toLocalInput(new Date(v), false) : '';
  };
  return {
    camera: q.get('camera') ?? '',
    type: q.get('type') ?? '',
    profile: q.get('profile') ?? '',
    // A person's events: all of them; otherwise the last day's.
    from:
      q.has('from') || q.has('profile') ? time('from') : toLocalInput(new Date(Date.now() - DAY_MS), false),
    to: time('to'),
  };
}

/** The API's query for the filters (times as ISO), also the page's own URL query. */
function query(f: Filters): URLSearchParams {
  const q = new URLSearchParams();
  if (f.camera) q.set('camera', f.camera);
  if (f.type) q.set('type', f.type);
  if (f.profile) q.set('profile', f.profile);
  const from = fromLocalInput(f.from);
  const to = fromLocalInput(f.to);
  if (from) q.set('from', from);
  if (to) q.set('to', to);
  return q;
}

function matches(e: AnalyticsEvent, f: Filters): boolean {
  const to = fromLocalInput(f.to);
  return (
    (!f.camera || e.cameraId === f.camera) &&
    (!f.type || e.type === f.type) &&
    (!f.profile || e.profileId === f.profile) &&
    (!to || e.startWallclockMs <= Date.parse(to))
  );
}

function streamUrl(camera: string): string {
  const q = new URLSearchParams();
  if (camera) q.set('camera', camera);
  const token = getToken();
  if (token) q.set('access_token', token);
  const s = q.toString();
  return `/api/events/stream${s ? `?${s}` : ''}`;
}

function ProfileFilter({ id, onClear }: { id: string; onClear: () => void }) {
  const profile = useProfile(id);
  return (
    <p class="filter-chip">
      Only events of <strong>{profile ? profileName(profile) : 'one person'}</strong>{' '}
      <button type="button" class="link-like" onClick={onClear}>
        show everyone
      </button>
    </p>
  );
}

export function EventsPage() {
  const [cameras, setCameras] = useState<Camera[]>([]);
  const [form, setForm] = useState<Filters>(filtersFromUrl);
  const [applied, setApplied] = useState<Filters>(form);
  const [items, setItems] = useState<AnalyticsEvent[] | null>(null);
  const [live, setLive] = useState<AnalyticsEvent[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [connected, setConnected] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);

  useEffect(() => {
    api<{ items: Camera[] }>('GET', '/api/cameras')
      .then((list) => setCameras(list.items))
      .catch((e: unknown) => setError(errorText(e)));
  }, []);

  useEffect(() => {
    let stopped = false;
    setItems(null);
    setLive([]);
    setError(null);
    const q = query(applied);
    const search = q.toString();
    history.replaceState(null, '', `/events${search ? `?${search}` : ''}`);
    q.set('limit', String(PAGE_SIZE));
    api<{ items: AnalyticsEvent[]; next: string | null }>('GET', `/api/events?${q}`)
      .then((page) => {
        if (stopped) return;
        setItems(page.items);
        setNext(page.next);
      })
      .catch((e: unknown) => {
        if (!stopped) setError(`${errorText(e)}. Change the filters and show the events again.`);
      });
    return () => {
      stopped = true;
    };
  }, [applied]);

  useEffect(() => {
    const source = new EventSource(streamUrl(applied.camera));
    const replace = (list: AnalyticsEvent[], e: AnalyticsEvent) => list.map((x) => (x.id === e.id ? e : x));
    const onEvent = (m: MessageEvent<string>) => {
      const e = JSON.parse(m.data) as AnalyticsEvent;
      setItems((list) => list && replace(list, e));
      setLive((list) => {
        if (list.some((x) => x.id === e.id)) return replace(list, e);
        return m.type === 'start' && matches(e, applied) ? [e, ...list] : list;
      });
    };
    for (const phase of ['start', 'update', 'end']) source.addEventListener(phase, onEvent);
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    return () => source.close();
  }, [applied]);

  const more = async () => {
    if (!next) return;
    setLoadingMore(true);
    const q = query(applied);
    q.set('limit', String(PAGE_SIZE));
    q.set('cursor', next);
    try {
      const page = await api<{ items: AnalyticsEvent[]; next: string | null }>('GET', `/api/events?${q}`);
      setItems((list) => [...(list ?? []), ...page.items]);
      setNext(page.next);
    } catch (e) {
      setError(`${errorText(e)}. Try “More events” again.`);
    } finally {
      setLoadingMore(false);
    }
  };

  const nameOf = (id: string) => cameras.find((c) => c.id === id)?.name ?? 'a removed camera';
  const set = (key: keyof Filters) => (e: Event) =>
    setForm({ ...form, [key]: (e.currentTarget as HTMLInputElement).value });
  const shown = new Set(live.map((e) => e.id));

  return (
    <section aria-labelledby="events-title">
      <h1 id="events-title">Events</h1>
      <form
        class="inline-form filters"
        noValidate
        aria-label="Filter the events"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(form);
        }}
      >
        <Field id="events-camera" label="Camera">
          {(a) => (
            <select {...a} value={form.camera} onChange={set('camera')}>
              <option value="">All cameras</option>
              {cameras.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="events-type" label="Type">
          {(a) => (
            <select {...a} value={form.type} onChange={set('type')}>
              <option value="">Any type</option>
              {TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="events-from" label="From (local time)">
          {(a) => <input {...a} type="datetime-local" step="1" value={form.from} onInput={set('from')} />}
        </Field>
        <Field id="events-to" label="To (empty: now)">
          {(a) => <input {...a} type="datetime-local" step="1" value={form.to} onInput={set('to')} />}
        </Field>
        <button type="submit">Show events</button>
      </form>
      {applied.profile && (
        <ProfileFilter
          id={applied.profile}
          onClear={() => {
            const f = { ...form, profile: '' };
            setForm(f);
            setApplied(f);
          }}
        />
      )}
      <ErrorMessage text={error} />
      {!connected && (
        <p class="muted" role="status">
          New events are not arriving: the browser reconnects by itself. Reload the page if this stays.
        </p>
      )}
      <div aria-live="polite">
        {live.length > 0 && (
          <>
            <h2>New since you opened the page</h2>
            <ol class="events" aria-label="New events, newest first">
              {live.map((e) => (
                <li key={e.id}>
                  <EventItem event={e} cameraName={nameOf(e.cameraId)} />
                </li>
              ))}
            </ol>
          </>
        )}
      </div>
      {items === null ? (
        !error && <p>Loading the events…</p>
      ) : items.length === 0 ? (
        live.length === 0 && (
          <p>
            No event for these filters yet. Events come from cameras with live analytics attached (on a
            camera's page); new ones show here as they start.
          </p>
        )
      ) : (
        <>
          <h2>Events, oldest first</h2>
          <ol class="events" aria-label="Events, oldest first">
            {items
              .filter((e) => !shown.has(e.id))
              .map((e) => (
                <li key={e.id}>
                  <EventItem event={e} cameraName={nameOf(e.cameraId)} />
                </li>
              ))}
          </ol>
        </>
      )}
      {next && (
        <p>
          <button type="button" disabled={loadingMore} onClick={more}>
            More events
          </button>
        </p>
      )}
    </section>
  );
}
