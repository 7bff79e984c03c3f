/**
 * The client side of RTSP authentication (RFC 2326 §14.7, RFC 2617): the server answers 401 with one
 * or more WWW-Authenticate challenges; Digest is preferred over Basic (Basic sends the password in the
 * clear). The credentials come from the URL's user:password; the Authorization header is recomputed
 * for every request (Digest signs the method and URI).
 */
import { randomBytes } from 'node:crypto';
import { digestResponse, parseDigestHeader } from './digest-auth.js';

export interface ClientCredentials {
  user: string;
  password: string;
}

export type Authorizer = (method: string, uri: string) => string;

/** The authorizer for the best challenge we can answer, or undefined. */
export function answerChallenge(challenges: string[], cred: ClientCredentials): Authorizer | undefined {
  const digest = challenges.map((c) => parseDigestHeader(c)).find((p) => p !== undefined);
  if (digest) {
    const realm = digest.get('realm') ?? '';
    const nonce = digest.get('nonce') ?? '';
    const opaque = digest.get('opaque');
    const algorithm = digest.get('algorithm');
    if (algorithm && algorithm.toUpperCase() !== 'MD5') return undefined;
    const qop = digest
      .get('qop')
      ?.split(',')
      .map((q) => q.trim())
      .includes('auth')
      ? 'auth'
      : undefined;
    let nc = 0;
    return (method, uri) => {
      const count = qop ? (++nc).toString(16).padStart(8, '0') : undefined;
      const cnonce = qop ? randomBytes(8).toString('hex') : undefined;
      const response = digestResponse({ ...cred, realm, method, uri, nonce, qop, nc: count, cnonce });
      const parts = [
        `username="${cred.user}"`,
        `realm="${realm}"`,
        `nonce="${nonce}"`,
        `uri="${uri}"`,
        `response="${response}"`,
      ];
      if (algorithm) parts.push(`algorithm=${algorithm}`);
      if (opaque !== undefined) parts.push(`opaque="${opaque}"`);
      if (qop) parts.push(`qop=${qop}`, `nc=${count}`, `cnonce="${cnonce}"`);
      return `Digest ${parts.join(', ')}`;
    };
  }
  if (challenges.some((c) => /^\s*Basic\b/i.test(c))) {
    const value = `Basic ${Buffer.from(`${cred.user}:${cred.password}`).toString('base64')}`;
    return () => value;
  }
  return undefined;
}
