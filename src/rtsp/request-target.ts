/**
 * Request-URI → mount path and track. kadr's Content-Base is `rtsp://host:port/<mount>/` and each
 * track's control is `trackN`, so SETUP arrives as `.../<mount>/trackN`, aggregate PLAY as
 * `.../<mount>/` or `.../<mount>`. Mount names may contain '/' (folders) and percent-escapes.
 */
export interface RequestTarget {
  path: string;
  track: string | undefined;
}

const TRACK = /^track\d{1,3}$/;

/** undefined when the URI is not an absolute rtsp:// URL (the server answers 400). */
export function parseRequestTarget(uri: string): RequestTarget | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'rtsp:' && url.protocol !== 'rtsps:') return undefined;
  let segments: string[];
  try {
    segments = url.pathname
      .split('/')
      .filter((s) => s.length > 0)
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
  if (segments.some((s) => s.split('/').some((part) => part === '..' || part === '.') || s.includes('\0'))) {
    return undefined;
  }
  const last = segments[segments.length - 1];
  if (last !== undefined && TRACK.test(last) && segments.length > 1) {
    return { path: segments.slice(0, -1).join('/'), track: last };
  }
  return { path: segments.join('/'), track: undefined };
}
