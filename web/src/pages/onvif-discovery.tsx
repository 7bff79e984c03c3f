/**
 * "Find cameras (ONVIF)": WS-Discovery run by the server on its own network (POST /api/onvif/discover),
 * the devices that answered (ONVIF cameras first, others shown but not addable), and one of them
 * added as a camera in one step (POST /api/onvif/cameras) with the device's ONVIF user and password.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { paths } from '../api/schema';
import { api, ApiError, errorText, type Camera } from '../api/client';
import { ErrorMessage, Field } from '../components/field';
import { CameraModes, TransportField, useCameraForm } from '../components/camera-fields';
import { ModalDialog } from './modal-dialog';

type Device =
  paths['/api/onvif/discover']['post']['responses'][200]['content']['application/json']['items'][number];

/** What the device says about itself in its ONVIF scopes (onvif://www.onvif.org/name/..., /hardware/...). */
function scope(d: Device, key: string): string | null {
  const prefix = `onvif://www.onvif.org/${key}/`;
  const found = d.scopes.find((s) => s.startsWith(prefix));
  if (!found) return null;
  try {
    return decodeURIComponent(found.slice(prefix.length)) || null;
  } catch {
    return found.slice(prefix.length) || null;
  }
}

/** The device's name and hardware from its scopes; else its WS-Discovery types (wsdp:Device, pub:Computer). */
const label = (d: Device): string =>
  [scope(d, 'name'), scope(d, 'hardware')].filter(Boolean).join(' ') ||
  (d.onvif ? 'ONVIF device' : d.types.join(' ') || 'device');

/** A camera name the server accepts (letters, digits, ".", "_", "-"), from the device's own name. */
function suggestedName(d: Device): string {
  const base = (scope(d, 'name') ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 48);
  return base || `camera-${d.from.split('.').pop()}`;
}

export function OnvifDiscovery({ onAdded }: { onAdded: (camera: Camera) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Find cameras (ONVIF)
      </button>
      {open && (
        <ModalDialog titleId="onvif-title" title="Find cameras (ONVIF)" onClose={() => setOpen(false)}>
          <DiscoveryBody
            onAdded={(c) => {
              onAdded(c);
              setOpen(false);
            }}
          />
        </ModalDialog>
      )}
    </>
  );
}

function DiscoveryBody({ onAdded }: { onAdded: (camera: Camera) => void }) {
  const [seconds, setSeconds] = useState('3');
  const [bind, setBind] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [found, setFound] = useState<Device[] | null>(null);
  const [adding, setAdding] = useState<Device | null>(null);
  const search = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setFields({});
    setAdding(null);
    setBusy(true);
    try {
      const s = Number(seconds);
      const body = {
        ...(bind.trim() ? { bind: bind.trim() } : {}),
        // Not a number: sent as typed, so that the server's rule is what the user reads.
        timeoutMs: Number.isFinite(s) ? Math.round(s * 1000) : seconds,
      };
      setFound((await api<{ items: Device[] }>('POST', '/api/onvif/discover', body)).items);
    } catch (failure) {
      const f = failure instanceof ApiError ? failure.fields : {};
      const named = {
        ...(f.timeoutMs ? { seconds: f.timeoutMs } : {}),
        ...(f.bind ? { bind: f.bind } : {}),
      };
      setFields(named);
      // The interface's hint lists the server's interfaces: worth showing beside the field's message.
      setError(
        Object.keys(named).length === 0
          ? errorText(failure)
          : failure instanceof ApiError
            ? (failure.hint ?? null)
            : null,
      );
    } finally {
      setBusy(false);
    }
  };
  const waited = Number(seconds);
  return (
    <>
      <p class="muted">
        The server asks its own network (WS-Discovery); cameras behind a router do not answer. Add one by its
        RTSP URL instead.
      </p>
      <form class="inline-form" onSubmit={search} noValidate>
        <Field id="onvif-seconds" label="Wait for answers (seconds)" error={fields.seconds}>
          {(a) => (
            <input
              {...a}
              value={seconds}
              onInput={(e) => setSeconds(e.currentTarget.value)}
              inputMode="decimal"
            />
          )}
        </Field>
        <Field
          id="onvif-bind"
          label="Server interface (optional)"
          hint="a name or address; empty: the default route"
          error={fields.bind}
        >
          {(a) => (
            <input {...a} value={bind} onInput={(e) => setBind(e.currentTarget.value)} autocomplete="off" />
          )}
        </Field>
        <button type="submit" disabled={busy}>
          {busy ? 'Searching…' : 'Search'}
        </button>
      </form>
      <ErrorMessage text={error} />
      <div aria-live="polite">
        {busy && <p>Waiting {Number.isFinite(waited) ? waited : ''} s for answers…</p>}
        {!busy && found !== null && found.length === 0 && (
          <p>
            No device answered. Check that the cameras are on and on the server's network, wait longer, or
            choose the server's interface towards them.
          </p>
        )}
        {!busy && found !== null && found.length > 0 && (
          <p>
            {found.length} device{found.length === 1 ? '' : 's'} answered.
          </p>
        )}
      </div>
      {found !== null && found.length > 0 && (
        <ul class="devices" aria-label="Devices found">
          {found.map((d) => (
            <li key={d.endpoint}>
              <div>
                <strong>{label(d)}</strong>{' '}
                <span class="badge">{d.onvif ? 'ONVIF camera' : 'not ONVIF'}</span>
                <div class="muted">
                  {d.xaddrs[0] ?? 'no address'} · from {d.from}
                </div>
              </div>
              {d.onvif && d.xaddrs.length > 0 ? (
                <button
                  type="button"
                  onClick={() => setAdding(d)}
                  aria-label={`Add ${label(d)} at ${d.from}…`}
                >
                  Add…
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {adding && <OnvifAddForm key={adding.endpoint} device={adding} onAdded={onAdded} />}
    </>
  );
}

const FORM_FIELDS = ['name', 'user', 'password', 'transport', 'xaddr', 'profile'];

function OnvifAddForm({ device, onAdded }: { device: Device; onAdded: (camera: Camera) => void }) {
  const { form, set } = useCameraForm({
    name: suggestedName(device),
    user: '',
    password: '',
    transport: 'tcp',
    onDemand: false,
    record: false,
  });
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The form opens below the list: take the keyboard there.
  const nameRef = useRef<HTMLInputElement>(null);
  useEffect(() => nameRef.current?.focus(), []);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setFields({});
    setBusy(true);
    try {
      const added = await api<{ camera: Camera }>('POST', '/api/onvif/cameras', {
        name: form.name.trim(),
        xaddr: device.xaddrs[0],
        transport: form.transport,
        onDemand: form.onDemand,
        record: form.record,
        ...(form.user ? { user: form.user, password: form.password } : {}),
      });
      onAdded(added.camera);
    } catch (failure) {
      if (!(failure instanceof ApiError)) {
        setError(errorText(failure));
        return;
      }
      // The device refused the user or password: say so at the password, with what to check.
      if (failure.code === 'KADR_ERR_UNAUTHORIZED') {
        setFields({ password: failure.message });
        setError(failure.hint ?? null);
        return;
      }
      const named = Object.fromEntries(
        Object.entries(failure.fields).filter(([k]) => FORM_FIELDS.includes(k)),
      );
      setFields(named);
      setError(Object.keys(named).length === 0 ? failure.text : (failure.hint ?? null));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card onvif-add" onSubmit={submit} noValidate aria-labelledby="onvif-add-title">
      <h3 id="onvif-add-title">Add {label(device)}</h3>
      <p class="muted">{device.xaddrs[0]}</p>
      <div class="form-grid">
        <Field id="onvif-name" label="Camera name" hint="letters, digits, ., - and _" error={fields.name}>
          {(a) => <input {...a} ref={nameRef} value={form.name} onInput={set('name')} autocomplete="off" />}
        </Field>
        <Field id="onvif-user" label="Device user" hint="an ONVIF user of the camera" error={fields.user}>
          {(a) => <input {...a} value={form.user} onInput={set('user')} autocomplete="off" />}
        </Field>
        <Field id="onvif-password" label="Device password" error={fields.password}>
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
        <TransportField
          id="onvif-transport"
          value={form.transport}
          error={fields.transport}
          onChange={set('transport')}
        />
      </div>
      <div class="checks">
        <CameraModes onDemand={form.onDemand} record={form.record} set={set} />
      </div>
      <button type="submit" disabled={busy}>
        {busy ? 'Asking the device…' : 'Add this camera'}
      </button>
      <ErrorMessage text={error} />
    </form>
  );
}
