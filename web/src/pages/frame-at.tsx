/** The recorded frame of a camera at a chosen wallclock time: the picture and which frame it is. */
import { useEffect, useState } from 'preact/hooks';
import { api, authHeaders, errorFrom, errorText } from '../api/client';
import type { paths } from '../api/schema';
import { ErrorMessage, Field } from '../components/field';
import { fromLocalInput, showTime, toLocalInput } from './local-time';

/** The JSON answer (format=json) of the frame route; its 200 is a JPEG or this. */
type FrameInfo = Exclude<
  paths['/api/cameras/{id}/frame']['get']['responses'][200]['content']['application/json'],
  string
>;

export function FrameAt({ cameraId, name, at }: { cameraId: string; name: string; at: string | null }) {
  const [value, setValue] = useState(() => toLocalInput(new Date(Date.now() - 10_000)));
  const [info, setInfo] = useState<FrameInfo | null>(null);
  const [src, setSrc] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const show = async (local: string) => {
    setError(null);
    const iso = fromLocalInput(local);
    if (!iso) return setError('Give a date and time, e.g. 2026-12-05 14:03:07.250.');
    const url = `/api/cameras/${cameraId}/frame?at=${encodeURIComponent(iso)}`;
    try {
      const [json, res] = await Promise.all([
        api<FrameInfo>('GET', `${url}&format=json`),
        fetch(url, { headers: authHeaders() }),
      ]);
      if (!res.ok) throw await errorFrom(res);
      const objectUrl = URL.createObjectURL(await res.blob());
      setSrc((old) => {
        if (old) URL.revokeObjectURL(old);
        return objectUrl;
      });
      setInfo(json);
    } catch (e) {
      setInfo(null);
      setSrc(null);
      setError(errorText(e));
    }
  };
  useEffect(() => {
    if (!at) return;
    const local = toLocalInput(new Date(at));
    setValue(local);
    void show(local);
  }, [at]);
  return (
    <section class="card" aria-labelledby="frame-title">
      <h2 id="frame-title">Frame at a time</h2>
      <form
        class="inline-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void show(value);
        }}
      >
        <Field id="frame-at" label="Time (local, to the millisecond)">
          {(a) => (
            <input
              {...a}
              type="datetime-local"
              step="0.001"
              value={value}
              onInput={(e) => setValue(e.currentTarget.value)}
            />
          )}
        </Field>
        <button type="submit">Show frame</button>
      </form>
      <ErrorMessage text={error} />
      {info && src && (
        <figure class="frame">
          <img src={src} alt={`Frame of ${name} at ${showTime(info.frameTime)}`} />
          <figcaption>
            Frame shown at {showTime(info.at)}: captured {showTime(info.frameTime)} (
            {info.clock === 'rtcp' ? "camera's clock" : 'time received'}), frame {info.index} of its segment,
            PTS {info.ptsTicks} × {info.timeBase} s.
          </figcaption>
        </figure>
      )}
    </section>
  );
}
