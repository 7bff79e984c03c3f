/**
 * One analytics event: its snapshot, what and who, when, how sure, and links that open the
 * recording's exact frame on the camera page (`/cameras/<id>?at=<ISO>`): the event's `start` is its
 * first analysed frame and `snapshotAt` the frame the snapshot shows, both times the frame route
 * answers with that very frame.
 */
import { useEffect, useState } from 'preact/hooks';
import { authHeaders } from '../api/client';
import type { components } from '../api/schema';
import { onLinkClick } from '../router';
import { showTime } from './local-time';
import { profileName, useProfile } from './profile-name';

export type AnalyticsEvent = components['schemas']['AnalyticsEvent'];

export const frameLink = (cameraId: string, at: string) =>
  `/cameras/${cameraId}?at=${encodeURIComponent(at)}`;

/** A picture of the API (an <img> cannot send the token): fetched again when `version` changes. */
function Snapshot({ url, version, alt }: { url: string | null; version: string | null; alt: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    if (!url) return;
    let objectUrl: string | null = null;
    let stopped = false;
    fetch(url, { headers: authHeaders(), cache: 'no-store' })
      .then((res) => (res.ok ? res.blob() : null))
      .then((blob) => {
        if (blob && !stopped) setSrc((objectUrl = URL.createObjectURL(blob)));
      })
      .catch(() => {});
    return () => {
      stopped = true;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [url, version]);
  return src ? (
    <img class="snapshot" src={src} alt={alt} width={160} height={90} />
  ) : (
    <div class="snapshot placeholder" role="img" aria-label={`${alt} (no picture yet)`} />
  );
}

function What({ event }: { event: AnalyticsEvent }) {
  const profile = useProfile(event.profileId);
  const what =
    event.className && event.className !== event.type ? `${event.type}: ${event.className}` : event.type;
  return (
    <>
      {what}
      {event.count > 1 ? ` ×${event.count}` : ''}
      {event.profileId && (
        <>
          {' · '}
          <a href={`/people/${event.profileId}`} onClick={onLinkClick}>
            {profile ? profileName(profile) : 'a known person'}
          </a>
        </>
      )}
    </>
  );
}

export function EventItem({ event, cameraName }: { event: AnalyticsEvent; cameraName: string }) {
  const when = showTime(event.start);
  return (
    <article
      class="card event"
      data-event={event.id}
      aria-label={`${event.type} on ${cameraName} at ${when}`}
    >
      {event.snapshotAt ? (
        <a href={frameLink(event.cameraId, event.snapshotAt)} onClick={onLinkClick}>
          <Snapshot
            url={event.snapshotUrl}
            version={event.snapshotAt}
            alt={`Snapshot of the ${event.type} on ${cameraName}, open its frame`}
          />
        </a>
      ) : (
        <Snapshot
          url={event.snapshotUrl}
          version={null}
          alt={`Snapshot of the ${event.type} on ${cameraName}`}
        />
      )}
      <div class="event-body">
        <h3>
          <What event={event} />
        </h3>
        <p>
          {cameraName} · {when}
          {event.end ? (
            ` – ${showTime(event.end)}`
          ) : (
            <>
              {' '}
              <span class="badge rec">going on</span>
            </>
          )}
        </p>
        <p class="muted">
          confidence <span class="num">{Math.round(event.confidence * 100)}%</span>
        </p>
        <a href={frameLink(event.cameraId, event.start)} onClick={onLinkClick}>
          Open the first frame
        </a>
      </div>
    </article>
  );
}
