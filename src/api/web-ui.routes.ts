/**
 * The web UI (web/, built by `npm run build` into dist/web) at `/`. Its pages are routed in the
 * browser, so every page path (/cameras, /people, ...) answers index.html; its assets under
 * /assets carry a hash of their content in their name, so they are cached for a year. Nothing here
 * needs the token: nothing in it is secret, and the API calls the UI makes carry the token.
 * Files are read from disk on each request, so a rebuild shows without a restart.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** dist/web of this checkout, seen from src/api (tsx) and from dist/api (built) alike. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** An asset's file name as Vite writes it: no folders, so no way out of the assets folder. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** Paths owned by the server, never by the UI's router. */
const SERVER_PATHS = /^\/(api|live|metrics|assets)(\/|$)/;

const notBuilt = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kadr</title></head>
<body><h1>kadr</h1>
<p>The web UI is not built. Run <code>npm run build</code> in kadr's folder, then reload this page.</p>
<p>The API and its interactive documentation: <a href="/api/docs">/api/docs</a>.</p>
</body></html>
`;

async function readIfExists(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export async function sendIndex(webRoot: string, reply: FastifyReply): Promise<FastifyReply> {
  const html = await readIfExists(path.join(webRoot, 'index.html'));
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-cache')
    .send(html ?? notBuilt);
}

/** A browser asking for a page of the UI (a client route), which the not-found handler answers with index.html. */
export function isUiPage(request: FastifyRequest): boolean {
  const pathname = request.url.split('?')[0]!;
  return (
    (request.method === 'GET' || request.method === 'HEAD') &&
    !SERVER_PATHS.test(pathname) &&
    !/\.[a-z0-9]+$/i.test(pathname) &&
    (request.headers.accept ?? '').includes('text/html')
  );
}

export function webUiRoutes(server: FastifyInstance, webRoot: string): void {
  server.get('/', { schema: { hide: true } }, async (_request, reply) => sendIndex(webRoot, reply));
  server.get<{ Params: { file: string } }>(
    '/assets/:file',
    { schema: { hide: true } },
    async (request, reply) => {
      const { file } = request.params;
      const body = ASSET_NAME.test(file) ? await readIfExists(path.join(webRoot, 'assets', file)) : null;
      if (!body) {
        return reply.status(404).send({
          error: {
            code: 'KADR_ERR_NOT_FOUND',
            message: `no asset ${file.slice(0, 100)}`,
            hint: 'reload the page: the UI was rebuilt and its asset names changed',
          },
        });
      }
      return reply
        .type(TYPES[path.extname(file)] ?? 'application/octet-stream')
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(body);
    },
  );
}
