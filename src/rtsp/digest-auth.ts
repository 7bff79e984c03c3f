/**
 * HTTP Digest authentication as RTSP uses it (RFC 2617 §3, RFC 2326 §14): the server challenges
 * with a realm and a nonce, the client answers with
 *   response = MD5( MD5(user:realm:password) : nonce [: nc : cnonce : qop] : MD5(method:uri) ).
 *
 * Nonces are stateless: `<expiry ms base 36>.<HMAC(secret, expiry)>`, so the server keeps no table a
 * flood of 401s could grow, and an expired nonce is answered with `stale=TRUE` (the client retries
 * without asking the user again). The challenge offers no qop because clients differ in how they
 * handle it (live555 in VLC answers without it); a client that sends qop=auth is accepted too.
 *
 * The `uri` the client hashed must name what it requests: the request URI itself, or for a SETUP of a
 * track its aggregate URL (VLC answers a track's challenge with the URL it described). Otherwise one
 * captured header would open every mount for its nonce's lifetime. Only `algorithm=MD5` (the default
 * when absent, RFC 2617 §3.2.1) is implemented; anything else, MD5-sess included, is refused rather
 * than verified as if it were MD5.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface DigestCredentials {
  user: string;
  password: string;
}

export interface DigestAuthOptions {
  realm?: string;
  nonceLifetimeMs?: number;
  /** For tests; defaults to Date.now. */
  now?: () => number;
}

export type DigestVerdict =
  { ok: true; user: string; nonceExpired: boolean } | { ok: false; stale: boolean; reason: string };

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** Parses `Digest k="v", k2=v2, ...` into a map (quoted strings may contain commas). */
export function parseDigestHeader(value: string): Map<string, string> | undefined {
  const m = /^\s*Digest\s+(.*)$/is.exec(value);
  if (!m) return undefined;
  const out = new Map<string, string>();
  const re = /\s*([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/gy;
  const rest = m[1]!;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = re.exec(rest)) !== null && match[0].length > 0) {
    out.set(match[1]!.toLowerCase(), match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!);
    consumed = re.lastIndex;
    if (consumed >= rest.length) break;
  }
  return out.size > 0 ? out : undefined;
}

export function digestResponse(p: {
  user: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
}): string {
  const ha1 = md5(`${p.user}:${p.realm}:${p.password}`);
  const ha2 = md5(`${p.method}:${p.uri}`);
  return p.qop
    ? md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`)
    : md5(`${ha1}:${p.nonce}:${ha2}`);
}

export class DigestAuth {
  readonly realm: string;
  private readonly secret = randomBytes(32);
  private readonly lifetimeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly credentials: DigestCredentials,
    options: DigestAuthOptions = {},
  ) {
    this.realm = options.realm ?? 'kadr';
    this.lifetimeMs = options.nonceLifetimeMs ?? 10 * 60_000;
    this.now = options.now ?? Date.now;
  }

  private sign(expiry: string): string {
    return createHmac('sha256', this.secret).update(expiry).digest('hex').slice(0, 32);
  }

  newNonce(): string {
    const expiry = (this.now() + this.lifetimeMs).toString(36);
    return `${expiry}.${this.sign(expiry)}`;
  }

  /** The WWW-Authenticate value for a 401. */
  challenge(stale = false): string {
    return `Digest realm="${this.realm}", nonce="${this.newNonce()}"${stale ? ', stale=TRUE' : ''}`;
  }

  verify(authorization: string | undefined, method: string, requestUri: string): DigestVerdict {
    if (!authorization) return { ok: false, stale: false, reason: 'no credentials' };
    const p = parseDigestHeader(authorization);
    if (!p) return { ok: false, stale: false, reason: 'not a Digest authorization' };
    const user = p.get('username');
    const nonce = p.get('nonce');
    const uri = p.get('uri');
    const response = p.get('response');
    if (!user || !nonce || !uri || !response) return { ok: false, stale: false, reason: 'incomplete Digest' };
    if (p.get('realm') !== this.realm) return { ok: false, stale: false, reason: 'wrong realm' };
    const algorithm = p.get('algorithm');
    if (algorithm !== undefined && algorithm.toUpperCase() !== 'MD5') {
      return { ok: false, stale: false, reason: `unsupported algorithm ${algorithm.slice(0, 32)}` };
    }
    if (!namesRequest(uri, requestUri))
      return { ok: false, stale: false, reason: 'uri is not the request URI' };
    const [expiry, mac] = nonce.split('.');
    if (!expiry || !mac || !safeEqual(mac, this.sign(expiry))) {
      return { ok: false, stale: false, reason: 'nonce not issued here' };
    }
    const qop = p.get('qop');
    if (qop !== undefined && qop !== 'auth') return { ok: false, stale: false, reason: 'unsupported qop' };
    const expected = digestResponse({
      user,
      realm: this.realm,
      password: this.credentials.password,
      method,
      uri,
      nonce,
      qop,
      nc: p.get('nc'),
      cnonce: p.get('cnonce'),
    });
    // Compare user and response both, in constant time, so neither leaks through timing.
    const userOk = safeEqual(md5(user), md5(this.credentials.user));
    const responseOk = safeEqual(response.toLowerCase(), expected);
    if (!userOk || !responseOk) return { ok: false, stale: false, reason: 'wrong user or password' };
    const nonceExpired = parseInt(expiry, 36) < this.now();
    return { ok: true, user, nonceExpired };
  }
}

const withoutTrailingSlash = (uri: string) => (uri.endsWith('/') ? uri.slice(0, -1) : uri);

/** The Digest `uri` is the request URI, or the aggregate URL of a track's request URI. */
function namesRequest(digestUri: string, requestUri: string): boolean {
  const got = withoutTrailingSlash(digestUri);
  const want = withoutTrailingSlash(requestUri);
  if (got === want) return true;
  const aggregate = want.replace(/\/track\d{1,3}$/, '');
  return aggregate !== want && got === aggregate;
}

function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}
