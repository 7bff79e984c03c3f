/**
 * A camera's source URL: checked, and split into the URL kadr stores (no credentials) and the
 * credentials it encrypts. Only rtsp:// and rtsps:// for now (RFC 2326 section 3.2): kadr's pull is
 * an RTSP client; an MJPEG-over-HTTP source would need a source of its own first.
 */
import { KadrError } from '../../core/errors.js';
import type { Credentials } from './camera-secrets.js';

export const URL_MAX_LENGTH = 2048;
const SCHEMES = ['rtsp:', 'rtsps:'];

const invalid = (message: string, hint?: string) =>
  new KadrError('KADR_ERR_VALIDATION', message, hint ? { hint } : undefined);

/** The URL without credentials, and the credentials it carried (percent-decoded), if any. */
export function splitSourceUrl(raw: string): { url: string; credentials: Credentials | undefined } {
  if (raw.length > URL_MAX_LENGTH) throw invalid(`url must be at most ${URL_MAX_LENGTH} characters`);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    // Never echo the value: it may hold a password.
    throw invalid('url is not a valid URL', 'e.g. rtsp://192.0.2.10:554/stream1');
  }
  if (!SCHEMES.includes(u.protocol)) {
    throw invalid(
      `url must start with rtsp:// or rtsps://, not ${u.protocol}//`,
      'kadr pulls cameras over RTSP',
    );
  }
  if (u.hostname === '') throw invalid('url has no host', 'e.g. rtsp://192.0.2.10:554/stream1');
  if (u.hash !== '') throw invalid('url must not have a #fragment');
  let credentials: Credentials | undefined;
  if (u.username !== '' || u.password !== '') {
    try {
      credentials = { user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
    } catch {
      throw invalid('the user or password in url is not valid percent-encoding');
    }
    u.username = '';
    u.password = '';
  }
  return { url: u.toString(), credentials };
}

/** The stored URL with the credentials put back: for the runtime only, never for a log or an answer. */
export function joinSourceUrl(url: string, credentials: Credentials | undefined): string {
  if (!credentials) return url;
  const u = new URL(url);
  // The setters percent-encode what userinfo cannot hold (":" "@" "/" in a password).
  u.username = credentials.user;
  u.password = credentials.password;
  return u.toString();
}

/**
 * What the API shows of a stored URL: some cameras take secrets in the query (`?password=`), which
 * is stored as given; their values are masked.
 */
export function redactedSourceUrl(url: string): string {
  try {
    const u = new URL(url);
    for (const key of [...u.searchParams.keys()]) {
      if (/pass|pwd|secret|token|key|auth|user/i.test(key)) u.searchParams.set(key, '***');
    }
    return u.toString();
  } catch {
    return url;
  }
}
