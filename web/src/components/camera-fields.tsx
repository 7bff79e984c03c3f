/** The parts every camera form shares (add by URL, add from ONVIF, edit): its state, transport, modes. */
import { useState } from 'preact/hooks';
import { Field } from './field';

type Control = { currentTarget: HTMLInputElement | HTMLSelectElement };

/** A form's values and one change handler per field (a checkbox gives its checked state). */
export function useCameraForm<T extends object>(initial: T | (() => T)) {
  const [form, setForm] = useState<T>(initial);
  const set = (key: keyof T) => (e: Control) => {
    const t = e.currentTarget;
    setForm({ ...form, [key]: t instanceof HTMLInputElement && t.type === 'checkbox' ? t.checked : t.value });
  };
  return { form, setForm, set };
}

export function TransportField(props: {
  id: string;
  value: string;
  error: string | undefined;
  hint?: string;
  onChange: (e: Control) => void;
}) {
  return (
    <Field id={props.id} label="Transport" error={props.error} {...(props.hint ? { hint: props.hint } : {})}>
      {(a) => (
        <select {...a} value={props.value} onChange={props.onChange}>
          <option value="tcp">TCP</option>
          <option value="udp">UDP</option>
        </select>
      )}
    </Field>
  );
}

/** On demand (connect only while watched) and continuous recording. */
export function CameraModes(props: {
  onDemand: boolean;
  record: boolean;
  set: (key: 'onDemand' | 'record') => (e: Control) => void;
}) {
  return (
    <>
      <label>
        <input type="checkbox" checked={props.onDemand} onChange={props.set('onDemand')} /> Connect only while
        watched
      </label>
      <label>
        <input type="checkbox" checked={props.record} onChange={props.set('record')} /> Record continuously
      </label>
    </>
  );
}
