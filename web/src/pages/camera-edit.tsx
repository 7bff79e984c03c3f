/**
 * Edits a camera: only what changed is sent (PATCH), and the server's messages show at the field they
 * are about. The stored user and password are never sent back by the API, so they are write-only
 * here: empty fields keep them, new ones replace them, a box removes them.
 */
import { useState } from 'preact/hooks';
import { api, ApiError, errorText, type Camera } from '../api/client';
import { ErrorMessage, Field } from '../components/field';
import { CameraModes, TransportField, useCameraForm } from '../components/camera-fields';
import { ModalDialog } from './modal-dialog';

const GB = 1e9;

interface EditForm {
  name: string;
  url: string;
  transport: string;
  onDemand: boolean;
  record: boolean;
  user: string;
  password: string;
  removeCredentials: boolean;
  maxAgeHours: string;
  maxGb: string;
}

function formOf(c: Camera): EditForm {
  return {
    name: c.name,
    url: c.url,
    transport: c.transport,
    onDemand: c.onDemand,
    record: c.record,
    user: '',
    password: '',
    removeCredentials: false,
    maxAgeHours: c.retention.maxAgeHours === null ? '' : String(c.retention.maxAgeHours),
    maxGb: c.retention.maxBytes === null ? '' : String(Number((c.retention.maxBytes / GB).toFixed(3))),
  };
}

/** Empty: no limit (null). Not a number: sent as typed, so that the server's rule is what the user reads. */
function limit(text: string, scale = 1): number | string | null {
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? (scale === 1 ? n : Math.round(n * scale)) : t;
}

/** The PATCH body: the fields that differ from the camera. */
function changes(c: Camera, f: EditForm): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (f.name.trim() !== c.name) body.name = f.name.trim();
  if (f.url.trim() !== c.url) body.url = f.url.trim();
  if (f.transport !== c.transport) body.transport = f.transport;
  if (f.onDemand !== c.onDemand) body.onDemand = f.onDemand;
  if (f.record !== c.record) body.record = f.record;
  if (f.removeCredentials) body.user = null;
  else if (f.user !== '') Object.assign(body, { user: f.user, password: f.password });
  else if (f.password !== '') body.password = f.password;
  const retention: Record<string, unknown> = {};
  const age = limit(f.maxAgeHours);
  if (age !== c.retention.maxAgeHours) retention.maxAgeHours = age;
  const bytes = limit(f.maxGb, GB);
  if (bytes !== c.retention.maxBytes) retention.maxBytes = bytes;
  if (Object.keys(retention).length > 0) body.retention = retention;
  return body;
}

/** The form's field for each body field the server may name. */
const FIELD_OF: Record<string, string> = {
  name: 'name',
  url: 'url',
  transport: 'transport',
  user: 'user',
  password: 'password',
  'retention.maxAgeHours': 'maxAgeHours',
  'retention.maxBytes': 'maxGb',
};

export function CameraEditDialog({
  camera,
  onSaved,
  onClose,
}: {
  camera: Camera;
  onSaved: (camera: Camera) => void;
  onClose: () => void;
}) {
  const { form, set } = useCameraForm(() => formOf(camera));
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setFields({});
    const body = changes(camera, form);
    if (Object.keys(body).length === 0) {
      onClose();
      return;
    }
    setBusy(true);
    try {
      onSaved(await api<Camera>('PATCH', `/api/cameras/${camera.id}`, body));
      onClose();
    } catch (failure) {
      const named: Record<string, string> = {};
      const other: string[] = [];
      const given = failure instanceof ApiError ? failure.fields : {};
      for (const [key, message] of Object.entries(given)) {
        if (FIELD_OF[key]) named[FIELD_OF[key]] = message;
        else other.push(errorText(failure));
      }
      setFields(named);
      if (Object.keys(given).length === 0) setError(errorText(failure));
      else if (other.length > 0) setError(other[0]!);
      else if (failure instanceof ApiError && failure.hint) setError(failure.hint);
    } finally {
      setBusy(false);
    }
  };
  const id = (name: string) => `edit-camera-${name}`;
  return (
    <ModalDialog titleId={id('title')} title={`Edit ${camera.name}`} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <div class="form-grid">
          <Field id={id('name')} label="Name" hint="letters, digits, ., - and _" error={fields.name}>
            {(a) => <input {...a} value={form.name} onInput={set('name')} autocomplete="off" />}
          </Field>
          <Field id={id('url')} label="RTSP URL" error={fields.url}>
            {(a) => <input {...a} value={form.url} onInput={set('url')} inputMode="url" autocomplete="off" />}
          </Field>
          <TransportField
            id={id('transport')}
            value={form.transport}
            error={fields.transport}
            onChange={set('transport')}
          />
          <Field
            id={id('user')}
            label="New user"
            hint={camera.hasCredentials ? 'empty: keep the stored one (never shown)' : 'optional'}
            error={fields.user}
          >
            {(a) => (
              <input
                {...a}
                value={form.user}
                onInput={set('user')}
                autocomplete="off"
                disabled={form.removeCredentials}
              />
            )}
          </Field>
          <Field
            id={id('password')}
            label="New password"
            hint={camera.hasCredentials ? 'empty: keep the stored one (never shown)' : 'optional'}
            error={fields.password}
          >
            {(a) => (
              <input
                {...a}
                type="password"
                value={form.password}
                onInput={set('password')}
                autocomplete="new-password"
                disabled={form.removeCredentials}
              />
            )}
          </Field>
          <Field
            id={id('max-age')}
            label="Delete recordings older than (hours)"
            hint="empty: no age limit"
            error={fields.maxAgeHours}
          >
            {(a) => (
              <input {...a} value={form.maxAgeHours} onInput={set('maxAgeHours')} inputMode="decimal" />
            )}
          </Field>
          <Field
            id={id('max-size')}
            label="Keep at most (GB of recordings)"
            hint="empty: no size limit; the oldest go first"
            error={fields.maxGb}
          >
            {(a) => <input {...a} value={form.maxGb} onInput={set('maxGb')} inputMode="decimal" />}
          </Field>
        </div>
        <div class="checks">
          {camera.hasCredentials && (
            <label>
              <input type="checkbox" checked={form.removeCredentials} onChange={set('removeCredentials')} />{' '}
              Remove the stored user and password
            </label>
          )}
          <CameraModes onDemand={form.onDemand} record={form.record} set={set} />
        </div>
        <div class="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
        <ErrorMessage text={error} />
      </form>
    </ModalDialog>
  );
}
