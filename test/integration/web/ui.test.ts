/**
 * The web UI in a real browser (Debian's Chromium through playwright-core) against a real
 * `kadr serve` with PostgreSQL and an API token: every page loads without console errors and
 * without serious or critical axe-core violations, at 1280x720 and at a phone's width (screenshots
 * of each kept in the test's temp folder); two videos dropped into the archive upload and reach
 * done; a camera added through the form (a wrong URL first: the server's message shows at the
 * field) is listed; the sign-in asks for the token; the first page's JavaScript stays small.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../api/support/hls-browser.js';
import { createTestDatabase, type TestDatabase } from '../api/support/database.js';
import { kadrEnv, startKadr, type KadrProcess } from '../api/support/kadr-process.js';
import { faceVideo } from '../api/support/test-videos.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const WEB_DIST = path.join(ROOT, 'dist/web');
const token = randomBytes(24).toString('hex');
let tdb: TestDatabase;
let tmp: string;
let shots: string;
let kadr: KadrProcess;
let browser: Browser;

before(async () => {
  // The UI as `npm run build` builds it (its Vite step), so that the test sees the current sources.
  await promisify(execFile)(
    path.join(ROOT, 'node_modules/.bin/vite'),
    ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
    { cwd: ROOT },
  );
  tdb = await createTestDatabase();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'kadr-web-'));
  await chmod(tmp, 0o755);
  shots = path.join(tmp, 'screenshots');
  await mkdir(shots);
  kadr = await startKadr(
    ['serve', '--port', '0', '--data', path.join(tmp, 'data'), '--concurrency', '2', '--rtsp-port', '0'],
    kadrEnv({ DATABASE_URL: tdb.url, KADR_API_TOKEN: token }),
  );
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await kadr?.stop();
  await tdb?.drop();
  // The screenshots stay for a person to look at; the data goes.
  await rm(path.join(tmp, 'data'), { recursive: true, force: true });
  console.error(`web UI screenshots: ${shots}`);
});

/** A page signed in (the token where the UI and the player page read it), collecting console errors. */
async function openPage(width = 1280, height = 720): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height } });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(`sessionStorage.setItem('kadr-token', ${JSON.stringify(token)})`);
  return { page, errors };
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: await axeSource });
  const violations = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) })))`,
  )) as { id: string; impact: string; nodes: string[] }[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).join(', ')}`);
}

test('the first page stays small: its JavaScript under 200 KB gzipped', async () => {
  const html = await readFile(path.join(WEB_DIST, 'index.html'), 'utf8');
  const scripts = [
    ...html.matchAll(/<(?:script|link rel="modulepreload")[^>]+(?:src|href)="\/(assets\/[^"]+\.js)"/g),
  ];
  assert.ok(scripts.length >= 1, html);
  let gz = 0;
  for (const [, file] of scripts) gz += gzipSync(await readFile(path.join(WEB_DIST, file!))).length;
  assert.ok(gz < 200 * 1024, `first page JavaScript: ${gz} bytes gzipped`);
  console.error(`first page JavaScript: ${(gz / 1024).toFixed(1)} KB gzipped`);
});

test('kadr serves the UI at /, index.html for its pages, cached assets, JSON 404s for the API', async () => {
  const page = await fetch(`${kadr.url}/people`, { headers: { accept: 'text/html' } });
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<div id="app">/);
  assert.equal((await (await fetch(`${kadr.url}/`)).text()).includes('<div id="app">'), true);
  const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
  const js = await fetch(`${kadr.url}${asset}`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type')!, /javascript/);
  assert.match(js.headers.get('cache-control')!, /immutable/);
  const missing = await fetch(`${kadr.url}/assets/..%2Fpackage.json`);
  assert.equal(missing.status, 404);
  const api = await fetch(`${kadr.url}/api/nothing`, { headers: { accept: 'text/html' } });
  assert.equal(api.status, 404);
  assert.match(api.headers.get('content-type')!, /json/);
});

test('without the token the UI asks for it, and a wrong one is refused with a message', async () => {
  const page = await browser.newPage();
  try {
    await page.goto(`${kadr.url}/cameras`);
    await page.getByLabel('API token').fill('wrong-token-wrong-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'KADR_API_TOKEN' }).waitFor();
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Cameras', level: 1 }).waitFor();
    assert.equal(await page.evaluate(`sessionStorage.getItem('kadr-token')`), token);
  } finally {
    await page.close();
  }
});

test('archive: two videos dropped at once upload and their analysis reaches done', async () => {
  const video = await faceVideo();
  const files = ['lobby.mp4', 'yard.mp4'].map((name) => path.join(tmp, name));
  for (const f of files) await writeFile(f, video.data);
  const { page, errors } = await openPage();
  try {
    await page.goto(`${kadr.url}/archive`);
    await page.getByText('No video yet').waitFor();
    await page.setInputFiles('#video-files', files);
    for (const name of ['lobby.mp4', 'yard.mp4']) {
      await page
        .locator('tr[data-status="done"]', { has: page.getByRole('rowheader', { name }) })
        .waitFor({ timeout: 60_000 });
    }
    const progress = await page
      .locator('tbody progress')
      .evaluateAll((els) => els.map((e) => e.getAttribute('value')));
    assert.deepEqual(progress, ['100', '100']);
    assert.deepEqual(await seriousViolations(page), []);
    await page.screenshot({ path: path.join(shots, 'archive-1280.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('cameras: a wrong URL gets the server message at its field, then the camera is added and listed', async () => {
  const { page, errors } = await openPage();
  try {
    await page.goto(`${kadr.url}/`);
    await page.getByText('No camera yet').waitFor();
    await page.getByLabel('Name').fill('door');
    await page.getByLabel('RTSP URL').fill('http://192.0.2.1/door');
    await page.getByRole('button', { name: 'Add camera' }).click();
    const urlError = page.locator('#camera-url-error');
    await urlError.waitFor();
    assert.match(await urlError.innerText(), /rtsp/i);
    assert.equal(await page.getByLabel('RTSP URL').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('RTSP URL').fill('rtsp://127.0.0.1:9/door');
    await page.getByLabel('Connect only while watched').check();
    await page.getByRole('button', { name: 'Add camera' }).click();
    await page.getByRole('heading', { name: 'door', level: 2 }).waitFor();
    await page.getByRole('button', { name: 'Start recording' }).waitFor();
    assert.equal(await page.locator('#camera-url-error').count(), 0);
    assert.deepEqual(await seriousViolations(page), []);
    await page.screenshot({ path: path.join(shots, 'cameras-1280.png'), fullPage: true });
    // The browser logs the refused request itself; nothing else may be there.
    assert.deepEqual(errors, [
      'Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);
  } finally {
    await page.close();
  }
});

test('every page loads without console errors or serious axe violations, at 1280x720 and on a phone', async () => {
  for (const [width, height] of [
    [1280, 720],
    [390, 844],
  ] as const) {
    for (const section of ['cameras', 'archive', 'people']) {
      const { page, errors } = await openPage(width, height);
      try {
        await page.goto(`${kadr.url}/${section}`);
        await page.getByRole('heading', { level: 1 }).waitFor();
        // Loaded: the page's "Loading…" placeholder is gone (the archive's event stream never idles).
        await page.waitForFunction(`!document.querySelector('main').textContent.includes('Loading')`);
        assert.deepEqual(await seriousViolations(page), [], `${section} at ${width}px`);
        await page.screenshot({ path: path.join(shots, `${section}-${width}.png`), fullPage: true });
        assert.deepEqual(errors, [], `${section} at ${width}px`);
      } finally {
        await page.close();
      }
    }
  }
});
