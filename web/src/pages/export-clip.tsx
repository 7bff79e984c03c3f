/**
 * Export a clip of a camera's recording between two marks (editable as local times, to the
 * millisecond): the export job's progress, then a download link. The file is fetched with the token
 * (a link cannot send it, and the API takes it in the URL only for event streams) and offered from a
 * blob URL.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, authHeaders, errorFrom, errorText } from '../api/client';
import type { paths } from '../api/schema';
import { ErrorMessage, Field } from '../components/field';
import { fromLocalInput, toLocalInput } from './local-time';

type Export = paths['/api/exports/{id}']['get']['responses'][200]['content']['application/json'];

const POLL_MS = 500;
const DEFAULT_SPAN_MS = 10_000;

const local = (iso: string | null | undefined, fallbackMs: number) =>
  toLocalInput(iso ? new Date(iso) : new Date(fallbackMs));

export function ExportClip({
  cameraId,
  from,
  to,
}: {
  cameraId: string;
  /** The marks, ISO 8601; without them the 10 s that ended 10 s ago. */
  from?: string | null | undefined;
  to?: string | null | undefined;
}) {
  const [fromValue, setFromValue] = useState(() => local(from, Date.now() - 2 * DEFAULT_SPAN_MS));
  const [toValue, setToValue] = useState(() =>
    local(to, from ? new Date(from).getTime() + DEFAULT_SPAN_MS : Date.now() - DEFAULT_SPAN_MS),
  );
  const [job, setJob] = useState<Export | null>(null);
  const [file, setFile] = useState<{ url: string; name: string; size: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const stopped = useRef(false);

  // New marks from the page (the timeline) replace the times typed.
  useEffect(() => {
    if (from) setFromValue(local(from, 0));
    if (from && !to) setToValue(local(null, new Date(from).getTime() + DEFAULT_SPAN_MS));
  }, [from]);
  useEffect(() => {
    if (to) setToValue(local(to, 0));
  }, [to]);
  useEffect(
    () => () => {
      stopped.current = true;
    },
    [],
  );
  useEffect(() => () => void (file && URL.revokeObjectURL(file.url)), [file]);

  const download = async (id: string) => {
    const res = await fetch(`/api/exports/${id}/file`, { headers: authHeaders() });
    if (!res.ok) throw await errorFrom(res);
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'clip.mp4';
    const blob = await res.blob();
    if (!stopped.current) setFile({ url: URL.createObjectURL(blob), name, size: blob.size });
  };

  const start = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setFields({});
    setFile(null);
    const fromIso = fromLocalInput(fromValue);
    const toIso = fromLocalInput(toValue);
    if (!fromIso || !toIso) {
      setFields({
        ...(fromIso ? {} : { from: 'give a date and time' }),
        ...(toIso ? {} : { to: 'give a date and time' }),
      });
      return;
    }
    try {
      let current = await api<Export>('POST', `/api/cameras/${cameraId}/exports`, {
        from: fromIso,
        to: toIso,
      });
      setJob(current);
      while (current.status === 'queued' || current.status === 'running') {
        await new Promise((r) => setTimeout(r, POLL_MS));
        if (stopped.current) return;
        current = await api<Export>('GET', `/api/exports/${current.id}`);
        setJob(current);
      }
      if (current.status === 'done') await download(current.id);
    } catch (err) {
      setJob(null);
      if (err instanceof ApiError && (err.fields.from || err.fields.to)) setFields(err.fields);
      setError(
        err instanceof ApiError && err.status === 404
          ? `${err.text}. Choose two times inside one recorded stretch (see the recordings list).`
          : errorText(err),
      );
    }
  };

  const busy = job !== null && (job.status === 'queued' || job.status === 'running');
  return (
    <section class="card" aria-labelledby="export-title">
      <h2 id="export-title">Export a clip</h2>
      <form class="inline-form" noValidate onSubmit={start}>
        <Field id="export-from" label="From (local time)" error={fields.from}>
          {(a) => (
            <input
              {...a}
              type="datetime-local"
              step="0.001"
              value={fromValue}
              onInput={(e) => setFromValue(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field id="export-to" label="To (local time)" error={fields.to}>
          {(a) => (
            <input
              {...a}
              type="datetime-local"
              step="0.001"
              value={toValue}
              onInput={(e) => setToValue(e.currentTarget.value)}
            />
          )}
        </Field>
        <button type="submit" disabled={busy}>
          Export clip
        </button>
      </form>
      <ErrorMessage text={error} />
      {job && (
        <p role="status">
          <progress max={100} value={job.progress} aria-label="Clip export" />{' '}
          <span class="num">{job.progress}%</span>{' '}
          {job.status === 'failed'
            ? `The export failed: ${job.error ?? 'no reason given'}. Try again, or a shorter span.`
            : job.status === 'done'
              ? `${job.frames ?? 0} frames${file ? '' : ', fetching the file…'}`
              : job.status}
        </p>
      )}
      {file && (
        <p>
          <a class="button" href={file.url} download={file.name}>
            Download {file.name} ({(file.size / 1e6).toFixed(1)} MB)
          </a>
        </p>
      )}
    </section>
  );
}
