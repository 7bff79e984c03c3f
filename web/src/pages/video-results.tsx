/**
 * The results of one archive video: faces over time, the people found (crop, name, link to the
 * profile) and every stretch each was on screen, each opening the video's exact frame at its start
 * (GET /api/videos/:id/frame, times in ms after the first frame as the analysis counts them). The
 * frame shown is in the URL (`?at=<ms>`), so a link can open it; the video's state stays current
 * through its event stream while it is analysed.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, getToken, type Video } from '../api/client';
import { ErrorMessage } from '../components/field';
import { onLinkClick } from '../router';
import { FaceCrop } from './face-crop';
import { FacesChart } from './faces-chart';
import { profileName, useProfile } from './profile-name';
import { VideoFrame } from './video-results-frame';

type Person = NonNullable<Video['profiles']>[number];

/** m:ss.mmm of a time in ms. */
function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}.${String(Math.floor(ms % 1000)).padStart(3, '0')}`;
}

function atFromUrl(): number | null {
  const v = new URLSearchParams(location.search).get('at');
  const n = v === null ? NaN : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

function PersonRow({
  videoId,
  person,
  onOpen,
}: {
  videoId: string;
  person: Person;
  onOpen: (ms: number) => void;
}) {
  const profile = useProfile(person.id);
  const name = profile ? profileName(profile) : 'Person';
  const spans = profile?.videos.find((v) => v.id === videoId)?.spans ?? [
    { firstMs: person.firstMs, lastMs: person.lastMs },
  ];
  const titleId = `person-${person.id}`;
  return (
    <article class="card person" aria-labelledby={titleId}>
      <FaceCrop url={profile?.cropUrl ?? null} alt={`Face of ${name}`} />
      <div class="person-body">
        <h3 id={titleId}>
          <a href={`/people/${person.id}`} onClick={onLinkClick}>
            {name}
          </a>
        </h3>
        <p class="muted">
          On screen {clock(person.firstMs)} – {clock(person.lastMs)}
        </p>
        <ul class="spans" aria-label={`When ${name} is on screen`}>
          {spans.map((s) => (
            <li key={s.firstMs}>
              <button type="button" class="link-like" onClick={() => onOpen(s.firstMs)}>
                {clock(s.firstMs)} – {clock(s.lastMs)}
              </button>
            </li>
          ))}
        </ul>
      </div>
    </article>
  );
}

export function VideoResultsPage({ id }: { id: string }) {
  const [video, setVideo] = useState<Video | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [at, setAt] = useState<number | null>(atFromUrl);
  const status = video?.status;

  useEffect(() => {
    let stopped = false;
    api<Video>('GET', `/api/videos/${id}`)
      .then((v) => !stopped && setVideo(v))
      .catch((e: unknown) => !stopped && setError(`${errorText(e)}. Open the video again from the archive.`));
    return () => {
      stopped = true;
    };
    // Read again when the analysis ends: the people found come with GET /api/videos/:id only.
  }, [id, status === 'done']);

  useEffect(() => {
    if (status === undefined || ['done', 'failed', 'cancelled'].includes(status)) return;
    const token = getToken();
    const source = new EventSource(
      `/api/videos/${id}/events${token ? `?access_token=${encodeURIComponent(token)}` : ''}`,
    );
    source.addEventListener('video', (e) => {
      const v = JSON.parse((e as MessageEvent<string>).data) as Video;
      setVideo((old) => (old ? { ...old, ...v } : v));
    });
    return () => source.close();
  }, [id, status]);

  const open = (ms: number) => {
    setAt(ms);
    history.replaceState(null, '', `/videos/${id}?at=${ms}`);
    // The frame is beside the list, or below it on a phone: bring it (and the keyboard) there.
    document.getElementById('video-frame')?.focus();
  };

  if (!video) {
    return (
      <section>
        <h1>Video results</h1>
        <ErrorMessage text={error} />
        {!error && <p>Loading the video…</p>}
        <a href="/archive" onClick={onLinkClick}>
          The archive
        </a>
      </section>
    );
  }
  const people = video.profiles ?? [];
  return (
    <section aria-labelledby="video-title">
      <p>
        <a href="/archive" onClick={onLinkClick}>
          The archive
        </a>
      </p>
      <h1 id="video-title">{video.filename}</h1>
      <p class="muted" role="status">
        {video.status}
        {video.status !== 'done' && ` · ${Math.floor(video.progress)}%`} · {video.facesSoFar} face detections
        in {video.framesWithFaces} frames
        {video.peopleCount != null && ` · ${video.peopleCount} people`}
      </p>
      {video.error && <p class="error">{video.error}</p>}
      <div class="camera-layout">
        <div>
          <section class="card" aria-labelledby="faces-title">
            <h2 id="faces-title">Faces over time</h2>
            {video.facesPerSecond ? (
              <>
                <FacesChart perSecond={video.facesPerSecond} name={video.filename} />
                <p class="muted">
                  0 to {video.facesPerSecond.length} s · at most {Math.max(0, ...video.facesPerSecond)} faces
                  in a second
                </p>
              </>
            ) : (
              <p>The chart shows once the analysis is done.</p>
            )}
          </section>
          <section aria-labelledby="people-found-title">
            <h2 id="people-found-title">People found</h2>
            {people.length === 0 ? (
              <p>
                {video.status === 'done'
                  ? 'No people: the video was analysed for faces only, or nobody was found. Upload it again with “Find the people in them” checked.'
                  : 'The people show once the analysis is done.'}
              </p>
            ) : (
              <div class="people" role="list" aria-label="People found">
                {people.map((p) => (
                  <div role="listitem" key={p.id}>
                    <PersonRow videoId={video.id} person={p} onOpen={open} />
                  </div>
                ))}
              </div>
            )}
          </section>
        </div>
        <VideoFrame videoId={video.id} name={video.filename} at={at} />
      </div>
    </section>
  );
}
