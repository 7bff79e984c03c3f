/** One camera: its live picture (the player page, with its quality and mode choice), recordings, frame at a time. */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, type Camera } from '../api/client';
import { ErrorMessage } from '../components/field';
import { onLinkClick } from '../router';
import { AnalyticsPanel } from './analytics-panel';
import { ExportClip } from './export-clip';
import { FrameAt } from './frame-at';
import { RecordingsList } from './recordings';

export function CameraPage({ id }: { id: string }) {
  const [camera, setCamera] = useState<Camera | null>(null);
  const [error, setError] = useState<string | null>(null);
  // `?at=<ISO>` (links from events) opens the frame at that time.
  const [frameAt, setFrameAt] = useState<string | null>(() => new URLSearchParams(location.search).get('at'));
  useEffect(() => {
    api<Camera>('GET', `/api/cameras/${encodeURIComponent(id)}`)
      .then(setCamera)
      .catch((e: unknown) => setError(errorText(e)));
  }, [id]);
  if (!camera) {
    return (
      <section>
        <h1>Camera</h1>
        <ErrorMessage text={error && `${error}. Open it again from the cameras list.`} />
        {!error && <p>Loading the camera…</p>}
        <a href="/cameras" onClick={onLinkClick}>
          All cameras
        </a>
      </section>
    );
  }
  return (
    <section aria-labelledby="camera-title">
      <p>
        <a href="/cameras" onClick={onLinkClick}>
          All cameras
        </a>
      </p>
      <h1 id="camera-title">{camera.name}</h1>
      <p class="muted">
        {camera.state} · {camera.recording ? 'recording' : 'not recording'} · {camera.url}
      </p>
      <div class="camera-layout">
        <iframe
          class="player"
          src={`/live/${encodeURIComponent(camera.name)}`}
          title={`Live picture of ${camera.name}, with quality and mode choice`}
        />
        <div>
          <RecordingsList cameraId={camera.id} onOpen={setFrameAt} />
          <FrameAt cameraId={camera.id} name={camera.name} at={frameAt} />
          <ExportClip cameraId={camera.id} from={frameAt} />
          <AnalyticsPanel cameraId={camera.id} />
        </div>
      </div>
    </section>
  );
}
