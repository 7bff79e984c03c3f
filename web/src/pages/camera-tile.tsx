/** One camera in the grid: its live picture (the player page `/live/<name>`), state, health and actions. */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, type Camera } from '../api/client';
import { ErrorMessage } from '../components/field';
import { onLinkClick } from '../router';

const stateText: Record<Camera['state'], string> = {
  idle: 'idle',
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  failed: 'failed',
  offline: 'offline (no session sending)',
};

function health(c: Camera): string {
  const h = c.health;
  const parts = [
    h.fps !== null ? `${h.fps.toFixed(1)} fps` : null,
    h.bitrateBps !== null ? `${(h.bitrateBps / 1e6).toFixed(2)} Mbit/s` : null,
    h.reconnects ? `${h.reconnects} reconnects` : null,
    h.skippedUnits ? `${h.skippedUnits} units skipped` : null,
  ];
  return parts.filter(Boolean).join(' · ') || 'no frames yet';
}

export function CameraTile({
  camera,
  onChanged,
  onRemoved,
}: {
  camera: Camera;
  onChanged: (c: Camera) => void;
  onRemoved: (id: string) => void;
}) {
  // On-demand and idle cameras connect when watched: their picture starts on request only. Once
  // shown it stays (the player reconnects by itself), so a passing state does not reload it.
  const [watch, setWatch] = useState(camera.state === 'live');
  useEffect(() => {
    if (camera.state === 'live') setWatch(true);
  }, [camera.state]);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (work: () => Promise<void>) => {
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(errorText(e));
    }
  };
  const titleId = `camera-${camera.id}`;
  return (
    <article class="card tile" aria-labelledby={titleId}>
      <h2 id={titleId}>
        <a href={`/cameras/${camera.id}`} onClick={onLinkClick}>
          {camera.name}
        </a>
      </h2>
      <p class="state">
        <span class={`badge state-${camera.state}`}>{stateText[camera.state]}</span>
        {camera.recording ? <span class="badge rec">recording</span> : null}
        <span class="health">{health(camera)}</span>
      </p>
      {camera.lastError && <p class="muted">Last error: {camera.lastError}</p>}
      <div class="live">
        {watch ? (
          <iframe src={`/live/${encodeURIComponent(camera.name)}`} title={`Live picture of ${camera.name}`} />
        ) : (
          <button type="button" onClick={() => setWatch(true)}>
            Watch live
          </button>
        )}
      </div>
      <div class="actions">
        <button
          type="button"
          onClick={() =>
            run(async () =>
              onChanged(
                await api<Camera>(
                  'POST',
                  `/api/cameras/${camera.id}/recording/${camera.record ? 'stop' : 'start'}`,
                ),
              ),
            )
          }
        >
          {camera.record ? 'Stop recording' : 'Start recording'}
        </button>
        {confirming ? (
          <>
            <button
              type="button"
              class="danger"
              onClick={() =>
                run(async () => {
                  await api('DELETE', `/api/cameras/${camera.id}`);
                  onRemoved(camera.id);
                })
              }
            >
              Remove {camera.name} for good
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </>
        ) : (
          <button type="button" onClick={() => setConfirming(true)}>
            Remove…
          </button>
        )}
      </div>
      <ErrorMessage text={error} />
    </article>
  );
}
