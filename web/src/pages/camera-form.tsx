/** Adds a camera by its RTSP URL; the server checks every field and its messages show at the field. */
import { useState } from 'preact/hooks';
import { api, ApiError, errorText, type Camera } from '../api/client';
import { ErrorMessage, Field } from '../components/field';
import { CameraModes, TransportField, useCameraForm } from '../components/camera-fields';

const empty = { name: '', url: '', transport: 'tcp', user: '', password: '', onDemand: false, record: false };

export function CameraForm({ onAdded }: { onAdded: (camera: Camera) => void }) {
  const { form, setForm, set } = useCameraForm(empty);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFields({});
    try {
      const camera = await api<Camera>('POST', '/api/cameras', {
        name: form.name.trim(),
        url: form.url.trim(),
        transport: form.transport,
        onDemand: form.onDemand,
        record: form.record,
        ...(form.user ? { user: form.user, password: form.password } : {}),
      });
      setForm(empty);
      onAdded(camera);
    } catch (error) {
      const named = error instanceof ApiError ? error.fields : {};
      setFields(named);
      if (Object.keys(named).length === 0) setError(errorText(error));
      else if (error instanceof ApiError && error.hint) setError(error.hint);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card camera-form" onSubmit={submit} aria-labelledby="add-camera-title" noValidate>
      <h2 id="add-camera-title">Add a camera</h2>
      <div class="form-grid">
        <Field id="camera-name" label="Name" hint="letters, digits, - and _; e.g. gate-1" error={fields.name}>
          {(a) => <input {...a} value={form.name} onInput={set('name')} autocomplete="off" />}
        </Field>
        <Field id="camera-url" label="RTSP URL" hint="e.g. rtsp://192.0.2.10:554/stream1" error={fields.url}>
          {(a) => <input {...a} value={form.url} onInput={set('url')} inputMode="url" autocomplete="off" />}
        </Field>
        <TransportField
          id="camera-transport"
          hint="TCP: inside the RTSP connection"
          value={form.transport}
          error={fields.transport}
          onChange={set('transport')}
        />
        <Field id="camera-user" label="User (optional)" error={fields.user}>
          {(a) => <input {...a} value={form.user} onInput={set('user')} autocomplete="off" />}
        </Field>
        <Field id="camera-password" label="Password (optional)" error={fields.password}>
          {(a) => (
            <input
              {...a}
              type="password"
              value={form.password}
              onInput={set('password')}
              autocomplete="new-password"
            />
          )}
        </Field>
      </div>
      <div class="checks">
        <CameraModes onDemand={form.onDemand} record={form.record} set={set} />
      </div>
      <button type="submit" disabled={busy}>
        {busy ? 'Adding…' : 'Add camera'}
      </button>
      <ErrorMessage text={error} />
    </form>
  );
}
