import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Fastify from 'fastify';
import { isUiPage, sendIndex, webUiRoutes } from './web-ui.routes.js';

async function serverOver(webRoot: string) {
  const server = Fastify();
  webUiRoutes(server, webRoot);
  server.setNotFoundHandler((request, reply) =>
    isUiPage(request) ? sendIndex(webRoot, reply) : reply.status(404).send({ error: 'none' }),
  );
  await server.ready();
  return server;
}

test('the UI: index.html for its pages, immutable assets, nothing outside the assets folder', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'kadr-web-ui-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(path.join(root, 'assets'));
  await writeFile(path.join(root, 'index.html'), '<div id="app"></div>');
  await writeFile(path.join(root, 'assets', 'index-abc.js'), 'export {};');
  await writeFile(path.join(root, 'secret.txt'), 'no');
  const server = await serverOver(root);
  t.after(() => server.close());

  for (const url of ['/', '/people', '/cameras/5f0c']) {
    const page = await server.inject({ url, headers: { accept: 'text/html' } });
    assert.equal(page.statusCode, 200, url);
    assert.equal(page.body, '<div id="app"></div>');
    assert.equal(page.headers['cache-control'], 'no-cache');
  }
  const js = await server.inject('/assets/index-abc.js');
  assert.equal(js.statusCode, 200);
  assert.match(String(js.headers['content-type']), /^text\/javascript/);
  assert.match(String(js.headers['cache-control']), /immutable/);
  for (const url of ['/assets/..%2Fsecret.txt', '/assets/%2e%2e%2fsecret.txt', '/assets/nothing.js']) {
    const res = await server.inject(url);
    assert.equal(res.statusCode, 404, url);
    assert.doesNotMatch(res.body, /no$/);
  }
  // Not pages of the UI: API paths, files, and clients that do not ask for HTML.
  for (const [url, accept] of [
    ['/api/nothing', 'text/html'],
    ['/live/x/y', 'text/html'],
    ['/favicon.ico', 'text/html'],
    ['/people', 'application/json'],
  ] as const) {
    assert.equal((await server.inject({ url, headers: { accept } })).statusCode, 404, url);
  }
});

test('without a built UI, / says how to build it and links the API docs', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'kadr-web-ui-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const server = await serverOver(root);
  t.after(() => server.close());
  const page = await server.inject('/');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /npm run build/);
  assert.match(page.body, /href="\/api\/docs"/);
});
