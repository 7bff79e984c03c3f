/** A profile's face crop: fetched with the token (an <img> cannot send it), shown from a blob URL. */
import { useEffect, useState } from 'preact/hooks';
import { authHeaders } from '../api/client';

export function FaceCrop({ url, alt }: { url: string | null; alt: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    if (!url) return;
    let objectUrl: string | null = null;
    let stopped = false;
    fetch(url, { headers: authHeaders() })
      .then((res) => (res.ok ? res.blob() : null))
      .then((blob) => {
        if (blob && !stopped) setSrc((objectUrl = URL.createObjectURL(blob)));
      })
      .catch(() => {});
    return () => {
      stopped = true;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [url]);
  return src ? (
    <img class="crop" src={src} alt={alt} width={96} height={96} />
  ) : (
    <div class="crop placeholder" role="img" aria-label={`${alt} (no picture)`} />
  );
}
