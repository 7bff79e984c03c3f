/** The cameras: a tile each with its live picture, state and health (polled), and the form to add one. */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, type Camera } from '../api/client';
import { ErrorMessage } from '../components/field';
import { CameraForm } from './camera-form';
import { CameraTile } from './camera-tile';
import { OnvifDiscovery } from './onvif-discovery';

/** State and health change without an event stream for cameras: the list is read this often. */
const POLL_MS = 5000;

export function CamerasPage() {
  const [cameras, setCameras] = useState<Camera[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const list = await api<{ items: Camera[] }>('GET', '/api/cameras');
        if (!stopped) {
          setCameras(list.items);
          setError(null);
        }
      } catch (e) {
        if (!stopped) setError(`${errorText(e)}. The list is read again every few seconds.`);
      }
    };
    void load();
    const timer = setInterval(load, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  const replace = (c: Camera) => setCameras((list) => (list ?? []).map((x) => (x.id === c.id ? c : x)));
  const add = (c: Camera) =>
    setCameras((list) => [...(list ?? []), c].sort((a, b) => a.name.localeCompare(b.name)));
  return (
    <section aria-labelledby="cameras-title">
      <div class="page-head">
        <h1 id="cameras-title">Cameras</h1>
        <OnvifDiscovery onAdded={add} />
      </div>
      <ErrorMessage text={error} />
      {cameras === null ? (
        !error && <p aria-live="polite">Loading the cameras…</p>
      ) : cameras.length === 0 ? (
        <p>No camera yet: add one with its RTSP URL below, or find one on the network (ONVIF).</p>
      ) : (
        <div class="grid" role="list" aria-label="Cameras">
          {cameras.map((c) => (
            <div role="listitem" key={c.id}>
              <CameraTile
                camera={c}
                onChanged={replace}
                onRemoved={(id) => setCameras((list) => (list ?? []).filter((x) => x.id !== id))}
              />
            </div>
          ))}
        </div>
      )}
      <CameraForm onAdded={add} />
    </section>
  );
}
