/**
 * The archive: upload videos, and their analysis as it runs. The list comes from GET /api/videos and
 * stays current through the videos' event stream (an EventSource cannot send a header, so the token
 * goes as ?access_token=, which only the event routes take).
 */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, getToken, type Video } from '../api/client';
import { ErrorMessage } from '../components/field';
import { onLinkClick } from '../router';
import { DropZone } from './drop-zone';
import { FacesChart } from './faces-chart';

const PAGE_SIZE = 50;
const FINAL = ['done', 'failed', 'cancelled'];

function eventsUrl(): string {
  const token = getToken();
  return token ? `/api/videos/events?access_token=${encodeURIComponent(token)}` : '/api/videos/events';
}

export function ArchivePage() {
  const [videos, setVideos] = useState<Video[] | null>(null);
  const [page, setPage] = useState(1);
  const [hasNext, setHasNext] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(true);

  useEffect(() => {
    let stopped = false;
    api<{ items: Video[]; hasNextPage: boolean }>('GET', `/api/videos?page=${page}&size=${PAGE_SIZE}`)
      .then((list) => {
        if (stopped) return;
        setVideos(list.items);
        setHasNext(list.hasNextPage);
      })
      .catch((e: unknown) => !stopped && setError(errorText(e)));
    return () => {
      stopped = true;
    };
  }, [page]);

  useEffect(() => {
    const source = new EventSource(eventsUrl());
    source.addEventListener('video', (e) => {
      const video = JSON.parse((e as MessageEvent<string>).data) as Video;
      setVideos((list) => {
        if (!list) return list;
        const known = list.some((v) => v.id === video.id);
        if (known) return list.map((v) => (v.id === video.id ? video : v));
        return page === 1 ? [video, ...list] : list;
      });
    });
    source.addEventListener('deleted', (e) => {
      const { id } = JSON.parse((e as MessageEvent<string>).data) as { id: string };
      setVideos((list) => list && list.filter((v) => v.id !== id));
    });
    source.onopen = () => setLive(true);
    source.onerror = () => setLive(false);
    return () => source.close();
  }, [page]);

  const act = async (video: Video, action: 'pause' | 'resume' | 'cancel' | 'delete') => {
    setError(null);
    try {
      if (action === 'delete') {
        await api('DELETE', `/api/videos/${video.id}`);
        setVideos((list) => list && list.filter((v) => v.id !== video.id));
      } else {
        const v = await api<Video>('POST', `/api/videos/${video.id}/${action}`);
        setVideos((list) => list && list.map((x) => (x.id === v.id ? v : x)));
      }
    } catch (e) {
      setError(errorText(e));
    }
  };

  const onUploaded = (video: Video) =>
    setVideos((list) => (list === null || list.some((v) => v.id === video.id) ? list : [video, ...list]));

  return (
    <section aria-labelledby="archive-title">
      <h1 id="archive-title">Archive</h1>
      <DropZone onUploaded={onUploaded} />
      <ErrorMessage text={error} />
      {!live && (
        <p class="muted" role="status">
          Live updates are interrupted; the browser reconnects by itself. Reload the page if this stays.
        </p>
      )}
      {videos === null ? (
        !error && <p>Loading the videos…</p>
      ) : videos.length === 0 ? (
        <p>No video yet: drop one above.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Videos, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Video</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">Faces</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {videos.map((v) => (
                <tr key={v.id} data-status={v.status}>
                  <th scope="row">
                    <a href={`/videos/${v.id}`} onClick={onLinkClick}>
                      {v.filename}
                    </a>
                  </th>
                  <td data-label="Status">
                    <span class={`badge status-${v.status}`}>{v.status}</span>
                    {v.stage && v.status !== 'done' ? <span class="muted"> ({v.stage})</span> : null}
                    {v.error && <div class="error">{v.error}</div>}
                  </td>
                  <td data-label="Progress">
                    <progress max={100} value={v.progress} aria-label={`Analysis of ${v.filename}`} />{' '}
                    <span class="num">{Math.floor(v.progress)}%</span>
                  </td>
                  <td data-label="Faces">
                    <span class="num">{v.facesSoFar}</span>
                    {v.facesPerSecond && <FacesChart perSecond={v.facesPerSecond} name={v.filename} />}
                  </td>
                  <td data-label="Actions">
                    <div class="actions">
                      {v.status === 'processing' || v.status === 'queued' ? (
                        <button type="button" onClick={() => act(v, 'pause')}>
                          Pause
                        </button>
                      ) : null}
                      {v.status === 'paused' ? (
                        <button type="button" onClick={() => act(v, 'resume')}>
                          Resume
                        </button>
                      ) : null}
                      {!FINAL.includes(v.status) ? (
                        <button type="button" onClick={() => act(v, 'cancel')}>
                          Cancel
                        </button>
                      ) : (
                        <button type="button" onClick={() => act(v, 'delete')}>
                          Delete
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="Pages of videos">
        <button type="button" disabled={page === 1} onClick={() => setPage(page - 1)}>
          Newer
        </button>
        <span>Page {page}</span>
        <button type="button" disabled={!hasNext} onClick={() => setPage(page + 1)}>
          Older
        </button>
      </nav>
    </section>
  );
}
