/** The frame an archive video shows at a time (ms after its first frame): the picture and which frame it is. */
import { useEffect, useState } from 'preact/hooks';
import { api, authHeaders, errorFrom, errorText } from '../api/client';
import type { paths } from '../api/schema';
import { ErrorMessage } from '../components/field';

type FrameInfo = Exclude<
  paths['/api/videos/{id}/frame']['get']['responses'][200]['content']['application/json'],
  string
>;

const clock = (ms: number) => `${(ms / 1000).toFixed(3)} s`;

export function VideoFrame({ videoId, name, at }: { videoId: string; name: string; at: number | null }) {
  const [info, setInfo] = useState<FrameInfo | null>(null);
  const [src, setSrc] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (at === null) return;
    let stopped = false;
    let objectUrl: string | null = null;
    setError(null);
    const url = `/api/videos/${videoId}/frame?t=${at}`;
    Promise.all([api<FrameInfo>('GET', `${url}&format=json`), fetch(url, { headers: authHeaders() })])
      .then(async ([json, res]) => {
        if (!res.ok) throw await errorFrom(res);
        const blob = await res.blob();
        if (stopped) return;
        setSrc((objectUrl = URL.createObjectURL(blob)));
        setInfo(json);
      })
      .catch((e: unknown) => {
        if (stopped) return;
        setInfo(null);
        setSrc(null);
        setError(`${errorText(e)}. Choose another moment.`);
      });
    return () => {
      stopped = true;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [videoId, at]);
  return (
    <section id="video-frame" tabIndex={-1} class="card" aria-labelledby="video-frame-title">
      <h2 id="video-frame-title">Frame</h2>
      {at === null && <p>Choose when a person is on screen to see that frame.</p>}
      <ErrorMessage text={error} />
      {info && src && (
        <figure class="frame">
          <img src={src} alt={`Frame of ${name} at ${clock(info.sinceFirstMs)}`} />
          <figcaption>
            Frame {info.index} of {name}, shown at {clock(info.tMs)}: its time {clock(info.sinceFirstMs)}, PTS{' '}
            {info.ptsTicks} × {info.timeBase} s.
          </figcaption>
        </figure>
      )}
    </section>
  );
}
