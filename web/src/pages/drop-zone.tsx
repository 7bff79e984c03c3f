/** Drop videos here, or pick them with the file button; each upload shows its own progress. */
import { useState } from 'preact/hooks';
import { errorText, type Video } from '../api/client';
import { uploadVideo } from '../api/upload';

interface Upload {
  key: number;
  name: string;
  fraction: number;
  error: string | null;
}

let nextKey = 0;

export function DropZone({ onUploaded }: { onUploaded: (v: Video) => void }) {
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [over, setOver] = useState(false);
  const [autoProfiles, setAutoProfiles] = useState(true);
  const update = (key: number, change: Partial<Upload>) =>
    setUploads((list) => list.map((u) => (u.key === key ? { ...u, ...change } : u)));
  const start = (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) {
      const key = nextKey++;
      setUploads((list) => [...list, { key, name: file.name, fraction: 0, error: null }]);
      uploadVideo(file, autoProfiles, (fraction) => update(key, { fraction }))
        .then((video) => {
          setUploads((list) => list.filter((u) => u.key !== key));
          onUploaded(video);
        })
        .catch((e: unknown) => update(key, { error: errorText(e) }));
    }
  };
  return (
    <div class="card">
      <div
        class={`drop-zone${over ? ' over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          start(e.dataTransfer?.files ?? null);
        }}
      >
        <p>Drop videos here to analyse them, several at once if you like, or</p>
        <input
          id="video-files"
          class="visually-hidden"
          type="file"
          multiple
          accept="video/*"
          onChange={(e) => {
            start(e.currentTarget.files);
            e.currentTarget.value = '';
          }}
        />
        <label class="button" for="video-files">
          Choose videos…
        </label>
        <label class="inline">
          <input
            type="checkbox"
            checked={autoProfiles}
            onChange={(e) => setAutoProfiles(e.currentTarget.checked)}
          />{' '}
          Find the people in them (profiles)
        </label>
      </div>
      {uploads.length > 0 && (
        <ul class="uploads" aria-label="Uploads">
          {uploads.map((u) => (
            <li key={u.key}>
              <span>{u.name}</span>
              {u.error ? (
                <span class="error" role="alert">
                  {u.error}
                </span>
              ) : (
                <progress max={1} value={u.fraction} aria-label={`Upload of ${u.name}`}>
                  {Math.round(u.fraction * 100)}%
                </progress>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
