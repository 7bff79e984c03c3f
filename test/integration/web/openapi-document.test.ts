/**
 * The OpenAPI document committed for the web UI (web/src/api/openapi.json, from which its types are
 * generated) is the one the server generates now: an API change without `npm run openapi` fails here,
 * and with it the change shows in review as a diff of that file.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { OPENAPI_FILE, openApiDocument } from '../../../scripts/openapi-document.js';

test('the committed OpenAPI document is the one the server generates', async () => {
  const committed: unknown = JSON.parse(await readFile(OPENAPI_FILE, 'utf8'));
  const generated = await openApiDocument();
  assert.ok(Object.keys(generated.paths as object).includes('/api/cameras'), 'the document lists the routes');
  assert.deepEqual(
    committed,
    JSON.parse(JSON.stringify(generated)),
    'web/src/api/openapi.json is stale: run `npm run openapi` and commit both files it writes',
  );
});
