/**
 * A small client of kadr's HTTP API for the commands that manage a running server (`kadr camera`).
 * An error answer becomes a KadrError with the server's code and message, so that main.ts prints
 * one line and exits 2 for a 4xx (the request was wrong) and 1 for anything else.
 */
import { KadrError, type KadrErrorCode } from '../core/errors.js';

export interface ApiClient {
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export function apiClient(server: string, token: string | undefined): ApiClient {
  let base: URL;
  try {
    base = new URL(server);
  } catch {
    throw new KadrError(
      'KADR_ERR_USAGE',
      `--server must be a URL like http://127.0.0.1:8080, got '${server}'`,
    );
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new KadrError('KADR_ERR_USAGE', `--server must be an http:// or https:// URL, got '${server}'`);
  }
  const root = base.toString().replace(/\/$/, '');
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      // A FormData body (a photo upload) sets its own multipart content type with the boundary.
      const form = body instanceof FormData;
      if (body !== undefined && !form) headers['content-type'] = 'application/json';
      let res: Response;
      try {
        res = await fetch(`${root}${path}`, {
          method,
          headers,
          ...(body !== undefined ? { body: form ? body : JSON.stringify(body) } : {}),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw new KadrError(
          'KADR_ERR_INTERNAL',
          `cannot reach ${root}: ${cause?.code ?? cause?.message ?? String(error)}`,
          {
            hint: 'start it with kadr serve, or give its address with --server',
          },
        );
      }
      const text = await res.text();
      if (res.ok) return (text === '' ? undefined : JSON.parse(text)) as T;
      let error: { code?: string; message?: string; hint?: string } | undefined;
      try {
        error = (JSON.parse(text) as { error?: typeof error }).error;
      } catch {
        error = undefined;
      }
      const code = (
        res.status < 500 ? (error?.code ?? 'KADR_ERR_VALIDATION') : 'KADR_ERR_INTERNAL'
      ) as KadrErrorCode;
      // The server's hint for a 401 speaks of the HTTP header; the CLI user sets a variable.
      const hint = res.status === 401 ? "set KADR_TOKEN to the server's KADR_API_TOKEN" : error?.hint;
      throw new KadrError(
        code,
        `${res.status}: ${error?.message ?? (text.slice(0, 200) || res.statusText)}`,
        hint ? { hint } : undefined,
      );
    },
  };
}
