/**
 * kadr's OpenAPI document as the server generates it from its route schemas, without a database
 * or a listening socket: buildServer() over an app whose services are never called (only the
 * routes' schemas are read). With an API token configured, so that the document shows the bearer
 * scheme that a server listening beyond loopback requires.
 *
 * `node --import tsx scripts/openapi-document.ts` writes it to web/src/api/openapi.json and the
 * UI's types generated from it (openapi-typescript) to web/src/api/schema.d.ts; both are committed,
 * so that an API change shows in review (test/integration/web/openapi-document.test.ts fails while
 * they are stale).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import * as prettier from 'prettier';
import { buildServer } from '../src/api/index.js';
import type { KadrApp } from '../src/app/index.js';
import { loadConfig } from '../src/config/index.js';
import { silentLogger } from '../src/core/logger.js';

const ROOT = path.resolve(import.meta.dirname, '..');
export const OPENAPI_FILE = path.join(ROOT, 'web/src/api/openapi.json');
export const SCHEMA_FILE = path.join(ROOT, 'web/src/api/schema.d.ts');

export async function openApiDocument(): Promise<Record<string, unknown>> {
  const config = loadConfig({}, { KADR_API_TOKEN: 'document-only-token' }).server;
  const unused = new Proxy(
    {},
    {
      get: (_t, key) => {
        throw new Error(`generating the OpenAPI document must not use the app (${String(key)})`);
      },
    },
  );
  const app = { config, log: silentLogger, live: unused, cameras: unused } as unknown as KadrApp;
  const server = await buildServer(app);
  try {
    await server.ready();
    return server.swagger() as unknown as Record<string, unknown>;
  } finally {
    await server.close();
  }
}

async function formatted(file: string, text: string): Promise<string> {
  return prettier.format(text, { ...(await prettier.resolveConfig(file)), filepath: file });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const doc = await openApiDocument();
  await writeFile(OPENAPI_FILE, await formatted(OPENAPI_FILE, JSON.stringify(doc)));
  const types = astToString(await openapiTS(doc as unknown as Parameters<typeof openapiTS>[0]));
  const header = '// Generated from openapi.json by scripts/openapi-document.ts; do not edit.\n';
  await writeFile(SCHEMA_FILE, await formatted(SCHEMA_FILE, header + types));
  console.log(`wrote ${path.relative(ROOT, OPENAPI_FILE)} and ${path.relative(ROOT, SCHEMA_FILE)}`);
}
