/**
 * Live analytics of one camera (docs/live-analytics.md): what to detect (faces, persons, objects or
 * COCO class names) and how many frames a second, attach or change, detach, and the status the
 * camera reports (frames analysed, frames skipped while the models were behind), read every 2 s.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorText, type Camera } from '../api/client';
import { ErrorMessage, Field } from '../components/field';

const POLL_MS = 2000;
const KINDS = [
  { value: 'faces', label: 'Faces (matched to people profiles)' },
  { value: 'persons', label: 'Persons' },
  { value: 'objects', label: 'Objects (every other class)' },
] as const;
const KIND_VALUES: readonly string[] = KINDS.map((k) => k.value);

export function AnalyticsPanel({ cameraId }: { cameraId: string }) {
  const [camera, setCamera] = useState<Camera | null>(null);
  const [kinds, setKinds] = useState<string[]>(['persons']);
  const [classes, setClasses] = useState('');
  const [fps, setFps] = useState('5');
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const take = (c: Camera, form: boolean) => {
    setCamera(c);
    if (form && c.analytics) {
      setKinds(c.analytics.detect.filter((d) => KIND_VALUES.includes(d)));
      setClasses(c.analytics.detect.filter((d) => !KIND_VALUES.includes(d)).join(', '));
      setFps(String(c.analytics.fps));
    }
  };

  useEffect(() => {
    let stopped = false;
    let first = true;
    const load = async () => {
      try {
        const c = await api<Camera>('GET', `/api/cameras/${cameraId}`);
        if (!stopped) take(c, first);
        first = false;
      } catch (e) {
        if (!stopped) setError(`${errorText(e)}. The status is read again every few seconds.`);
      }
    };
    void load();
    const timer = setInterval(load, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [cameraId]);

  const run = async (work: () => Promise<void>) => {
    setError(null);
    setFields({});
    setBusy(true);
    try {
      await work();
    } catch (e) {
      if (e instanceof ApiError) setFields(e.fields);
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const attach = (e: Event) => {
    e.preventDefault();
    const detect = [
      ...kinds,
      ...classes
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    ];
    if (detect.length === 0) {
      setFields({ detect: 'choose at least one: faces, persons, objects or a class name' });
      return;
    }
    const rate = Number(fps);
    if (!fps.trim() || !Number.isFinite(rate)) {
      setFields({ fps: 'give a number of frames a second, e.g. 5' });
      return;
    }
    void run(async () =>
      take(await api<Camera>('PUT', `/api/cameras/${cameraId}/analytics`, { detect, fps: rate }), false),
    );
  };

  const detach = () =>
    run(async () => {
      await api('DELETE', `/api/cameras/${cameraId}/analytics`);
      setCamera((c) => c && { ...c, analytics: null });
    });

  const a = camera?.analytics ?? null;
  return (
    <section class="card" aria-labelledby="analytics-title">
      <h2 id="analytics-title">Live analytics</h2>
      {camera === null ? (
        !error && <p>Loading the analytics…</p>
      ) : (
        <p role="status" class="analytics-status">
          {a ? (
            <>
              <span class={`badge ${a.running ? 'status-done' : ''}`}>
                {a.running ? 'analysing' : 'attached, not running here'}
              </span>{' '}
              {a.detect.join(', ')} at {a.fps} frames/s · <span class="num">{a.framesAnalysed}</span> frames
              analysed · <span class="num">{a.framesSkipped}</span> skipped
              {a.restarts ? ` · ${a.restarts} restarts` : ''}
            </>
          ) : (
            'Not attached: choose what to detect and attach.'
          )}
        </p>
      )}
      <form noValidate onSubmit={attach} aria-label={`Live analytics of ${camera?.name ?? 'the camera'}`}>
        <fieldset
          class="checks"
          aria-invalid={Boolean(fields.detect)}
          aria-describedby={fields.detect ? 'analytics-detect-error' : undefined}
        >
          <legend>Detect</legend>
          {KINDS.map((k) => (
            <label key={k.value}>
              <input
                type="checkbox"
                checked={kinds.includes(k.value)}
                onChange={(e) =>
                  setKinds((list) =>
                    e.currentTarget.checked ? [...list, k.value] : list.filter((x) => x !== k.value),
                  )
                }
              />{' '}
              {k.label}
            </label>
          ))}
          {fields.detect && (
            <small id="analytics-detect-error" class="field-error">
              {fields.detect}
            </small>
          )}
        </fieldset>
        <div class="form-grid">
          <Field
            id="analytics-classes"
            label="Object classes (optional)"
            hint="COCO names, comma-separated (car, dog): with Objects unchecked, only these"
          >
            {(attrs) => (
              <input {...attrs} value={classes} onInput={(e) => setClasses(e.currentTarget.value)} />
            )}
          </Field>
          <Field id="analytics-fps" label="Frames analysed a second" error={fields.fps} hint="up to 30">
            {(attrs) => (
              <input
                {...attrs}
                type="number"
                inputMode="decimal"
                min="0.1"
                max="30"
                step="any"
                value={fps}
                onInput={(e) => setFps(e.currentTarget.value)}
              />
            )}
          </Field>
        </div>
        <div class="actions">
          <button type="submit" disabled={busy}>
            {a ? 'Change analytics' : 'Attach analytics'}
          </button>
          {a && (
            <button type="button" disabled={busy} onClick={detach}>
              Detach analytics
            </button>
          )}
        </div>
      </form>
      <ErrorMessage text={error} />
    </section>
  );
}
