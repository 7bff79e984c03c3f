/**
 * Timeline tools over uploaded videos: the exact frame at t, an original beside its recording at the
 * same t (identical, or how far apart: PSNR), and the same moment in two videos with the log of the
 * frames each skipped to reach it. t is milliseconds after each video's first frame; the server finds
 * frames from their PTS (GET /api/videos/:id/frame, /api/compare, /api/same-moment).
 */
import { useEffect, useState } from 'preact/hooks';
import { api, authHeaders, errorFrom, errorText, type Video } from '../api/client';
import type { paths } from '../api/schema';
import { ErrorMessage, Field } from '../components/field';

type FrameInfo = Exclude<
  paths['/api/videos/{id}/frame']['get']['responses'][200]['content']['application/json'],
  string
>;
type Comparison = paths['/api/compare']['get']['responses'][200]['content']['application/json'];
type Moment = paths['/api/same-moment']['get']['responses'][200]['content']['application/json'];

const T_PATTERN = /^\d+(\.\d+)?$/;
const T_HINT = 'milliseconds after the first frame, e.g. 1500 or 1001.5';

/** The JPEG of a video's frame at t, fetched with the token (an <img src> could not send it). */
function FramePicture({ info, label }: { info: FrameInfo; label: string }) {
  const [src, setSrc] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let url: string | null = null;
    let stopped = false;
    fetch(`/api/videos/${info.videoId}/frame?t=${info.tMs}`, { headers: authHeaders() })
      .then(async (res) => {
        if (!res.ok) throw await errorFrom(res);
        url = URL.createObjectURL(await res.blob());
        if (stopped) URL.revokeObjectURL(url);
        else setSrc(url);
      })
      .catch((e: unknown) => !stopped && setError(errorText(e)));
    return () => {
      stopped = true;
      if (url) URL.revokeObjectURL(url);
    };
  }, [info.videoId, info.tMs]);
  return (
    <figure class="frame">
      <ErrorMessage text={error} />
      {src && <img src={src} alt={`${label}: ${info.filename}, frame ${info.index} at ${info.tMs} ms`} />}
      <figcaption>
        {label}: {info.filename}, frame {info.index} ({info.index} skipped), PTS {info.ptsTicks} ×{' '}
        {info.timeBase} s, shown from {info.sinceFirstMs.toFixed(3)} ms{info.keyframe ? ', keyframe' : ''}
      </figcaption>
    </figure>
  );
}

function VideoSelect(props: {
  id: string;
  label: string;
  videos: Video[];
  value: string;
  onChange: (id: string) => void;
}) {
  return (
    <Field id={props.id} label={props.label}>
      {(a) => (
        <select {...a} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
          <option value="">Choose a video</option>
          {props.videos.map((v) => (
            <option key={v.id} value={v.id}>
              {v.filename}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

function TimeInput({ id, value, onChange }: { id: string; value: string; onChange: (t: string) => void }) {
  return (
    <Field id={id} label="t (ms after the first frame)" hint={T_HINT}>
      {(a) => (
        <input
          {...a}
          inputMode="decimal"
          size={12}
          value={value}
          onInput={(e) => onChange(e.currentTarget.value)}
        />
      )}
    </Field>
  );
}

/** Checks the form before asking the server; the server's own message is shown when it refuses. */
function problem(t: string, ...videos: string[]): string | null {
  if (videos.some((v) => !v)) return 'Choose the video(s) first.';
  if (!T_PATTERN.test(t.trim())) return `t must be ${T_HINT}.`;
  return null;
}

function FrameTool({ videos }: { videos: Video[] }) {
  const [video, setVideo] = useState('');
  const [t, setT] = useState('0');
  const [info, setInfo] = useState<FrameInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const show = async (at: string) => {
    const p = problem(at, video);
    setError(p);
    if (p) return;
    try {
      setInfo(await api<FrameInfo>('GET', `/api/videos/${video}/frame?t=${at.trim()}&format=json`));
    } catch (e) {
      setInfo(null);
      setError(errorText(e));
    }
  };
  // One frame on or back: t becomes the start of the next or the previous frame, as the server gave them.
  const step = async (to: number | null | undefined) => {
    if (to === null || to === undefined) return;
    const at = String(Math.ceil(to * 1000) / 1000);
    setT(at);
    await show(at);
  };
  return (
    <section class="card" aria-labelledby="tool-frame">
      <h2 id="tool-frame">Frame at t</h2>
      <form
        class="inline-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void show(t);
        }}
      >
        <VideoSelect id="frame-video" label="Video" videos={videos} value={video} onChange={setVideo} />
        <TimeInput id="frame-t" value={t} onChange={setT} />
        <button type="submit">Show frame</button>
        <button
          type="button"
          disabled={info?.previousFrameMs == null}
          onClick={() => void step(info?.previousFrameMs)}
        >
          ← Previous frame
        </button>
        <button
          type="button"
          disabled={info?.nextFrameMs == null}
          onClick={() => void step(info?.nextFrameMs)}
        >
          Next frame →
        </button>
      </form>
      <ErrorMessage text={error} />
      {info && <FramePicture info={info} label="Frame" />}
    </section>
  );
}

function CompareTool({ videos }: { videos: Video[] }) {
  const [original, setOriginal] = useState('');
  const [recording, setRecording] = useState('');
  const [t, setT] = useState('0');
  const [result, setResult] = useState<Comparison | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    const p = problem(t, original, recording);
    setError(p);
    if (p) return;
    try {
      setResult(
        await api<Comparison>(
          'GET',
          `/api/compare?original=${original}&recording=${recording}&t=${t.trim()}`,
        ),
      );
    } catch (e) {
      setResult(null);
      setError(errorText(e));
    }
  };
  return (
    <section class="card" aria-labelledby="tool-compare">
      <h2 id="tool-compare">Original and recording side by side</h2>
      <form
        class="inline-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <VideoSelect id="cmp-a" label="Original" videos={videos} value={original} onChange={setOriginal} />
        <VideoSelect id="cmp-b" label="Recording" videos={videos} value={recording} onChange={setRecording} />
        <TimeInput id="cmp-t" value={t} onChange={setT} />
        <button type="submit">Compare</button>
      </form>
      <ErrorMessage text={error} />
      {result && (
        <>
          <p role="status">
            At {result.tMs} ms:{' '}
            {result.identical
              ? 'identical pictures (every sample equal)'
              : `not identical: PSNR ${result.psnr === null ? '∞' : result.psnr.toFixed(2)} dB${result.scaled ? ', recording scaled to the original size' : ''}`}
          </p>
          <div class="side-by-side">
            <FramePicture info={result.original} label="Original" />
            <FramePicture info={result.recording} label="Recording" />
          </div>
        </>
      )}
    </section>
  );
}

function MomentTool({ videos }: { videos: Video[] }) {
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const [t, setT] = useState('0');
  const [result, setResult] = useState<Moment | null>(null);
  const [log, setLog] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    const p = problem(t, a, b);
    setError(p);
    if (p) return;
    try {
      const r = await api<Moment>('GET', `/api/same-moment?a=${a}&b=${b}&t=${t.trim()}`);
      setResult(r);
      setLog((old) => [...r.log.map((line) => `t=${r.tMs} ms ${line}`), ...old].slice(0, 200));
    } catch (e) {
      setResult(null);
      setError(errorText(e));
    }
  };
  return (
    <section class="card" aria-labelledby="tool-moment">
      <h2 id="tool-moment">Same moment in two videos</h2>
      <form
        class="inline-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <VideoSelect id="moment-a" label="Video A" videos={videos} value={a} onChange={setA} />
        <VideoSelect id="moment-b" label="Video B" videos={videos} value={b} onChange={setB} />
        <TimeInput id="moment-t" value={t} onChange={setT} />
        <button type="submit">Show both</button>
      </form>
      <ErrorMessage text={error} />
      {result && (
        <div class="side-by-side">
          <FramePicture info={result.a} label="A" />
          <FramePicture info={result.b} label="B" />
        </div>
      )}
      {log.length > 0 && (
        <>
          <h3>Skipped-frames log</h3>
          <pre class="log" aria-label="Skipped-frames log">
            {log.join('\n')}
          </pre>
        </>
      )}
    </section>
  );
}

export function ToolsPage() {
  const [videos, setVideos] = useState<Video[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ items: Video[] }>('GET', '/api/videos?page=1&size=100')
      .then((page) => setVideos(page.items))
      .catch((e: unknown) => setError(errorText(e)));
  }, []);
  return (
    <section aria-labelledby="tools-title">
      <h1 id="tools-title">Timeline tools</h1>
      <p>
        Exact frames of uploaded videos, found from their timestamps: t is milliseconds after each video’s
        first frame.
      </p>
      <ErrorMessage text={error} />
      {videos === null ? (
        !error && <p>Loading the videos…</p>
      ) : videos.length === 0 ? (
        <p>
          No video yet. Upload some in the <a href="/archive">archive</a>.
        </p>
      ) : (
        <>
          <FrameTool videos={videos} />
          <CompareTool videos={videos} />
          <MomentTool videos={videos} />
        </>
      )}
    </section>
  );
}
