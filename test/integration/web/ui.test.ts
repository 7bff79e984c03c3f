/**
 * The web UI in a real browser (Debian's Chromium through playwright-core) against a real
 * `kadr serve` with PostgreSQL and an API token: every page loads without console errors and
 * without serious or critical axe-core violations, at 1280x720 and at a phone's width (screenshots
 * of each kept in the test's temp folder); three videos dropped into the archive upload and reach
 * done; a camera added through the form (a wrong URL first: the server's message shows at the
 * field) plays live in its tile, records, and its page shows the frame the API gives for a time;
 * its timeline scrubs to the frame clicked and steps exactly one frame each way; the camera is
 * edited by keyboard in its dialog (a wrong URL first; the credentials write-only); a profile is
 * edited (a wrong birth date first) and one deleted; the sign-in asks for the token; the first page's
 * JavaScript stays small. A video's results page opens the frame ffprobe says is shown at a person's
 * time; live analytics attached on a camera page (a wrong rate first) find a person in real footage,
 * the event arrives live on the events page and opens its frame on the camera page, a clip exported
 * from there downloads, and the analytics are detached.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
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
import { ffprobeFrames, truthIndexAt } from '../../fixtures/ffprobe.js';
import { faceVideo } from '../api/support/test-videos.js';
import { startKadrRtspServe } from '../recorder/rtsp-source.js';
import { startLiveSource, type LiveSource } from '../streams/live-peers.js';
import { freeUdpPort } from '../webrtc/whep-peers.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const WEB_DIST = path.join(ROOT, 'dist/web');
const HALL_CLIP = path.join(ROOT, 'test/fixtures/live-analytics/one-by-one-5-26s.mp4');
const token = randomBytes(24).toString('hex');
const auth = { authorization: `Bearer ${token}` };
let tdb: TestDatabase;
let tmp: string;
let shots: string;
let kadr: KadrProcess;
let browser: Browser;
let source: LiveSource;

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
    kadrEnv({
      DATABASE_URL: tdb.url,
      KADR_API_TOKEN: token,
      KADR_CAMERA_SEGMENT_SECONDS: '2',
      // Camera credentials are sealed with it (an external database: kadr keeps no key of its own).
      KADR_SECRET_KEY: randomBytes(32).toString('base64'),
      // Not the default UDP port, which another kadr on this machine may hold.
      KADR_WEBRTC_PORT: String(await freeUdpPort()),
    }),
  );
  browser = await launchChromium();
  source = await startLiveSource({ cam: 'h264' });
});
after(async () => {
  await browser?.close();
  await kadr?.stop();
  await source?.kill();
  await tdb?.drop();
  // The screenshots stay for a person to look at; the data goes.
  await rm(path.join(tmp, 'data'), { recursive: true, force: true });
  console.error(`web UI screenshots: ${shots}`);
});

/** A page signed in (the token where the UI and the player page read it), collecting console errors. */
async function openPage(width = 1280, height = 720): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // "Failed to load resource" says which status, not which URL: add it.
    const text = m.text().startsWith('Failed to load resource')
      ? `${m.text()} ${m.location().url}`
      : m.text();
    // The player page tries WebRTC first and falls back to LL-HLS; where this kadr has no WHEP
    // route the browser logs that 404, which is the fallback working, not an error of the UI.
    if (/status of 404 .*\/api\/live\/[^/]+\/whep$/.test(text)) return;
    errors.push(text);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(`sessionStorage.setItem('kadr-token', ${JSON.stringify(token)})`);
  return { page, errors };
}

/** A datetime-local value (this machine's zone, which the browser shares) to the millisecond. */
function localInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Serious and critical axe-core violations of the page (not of the player page framed in it, tested on its own). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: await axeSource });
  const violations = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'], iframes: false }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) })))`,
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

test('archive: three videos dropped at once upload and their analysis reaches done', async () => {
  const video = await faceVideo();
  const files = ['lobby.mp4', 'yard.mp4', 'gate.mp4'].map((name) => path.join(tmp, name));
  for (const f of files) await writeFile(f, video.data);
  const { page, errors } = await openPage();
  try {
    await page.goto(`${kadr.url}/archive`);
    await page.getByText('No video yet').waitFor();
    await page.setInputFiles('#video-files', files);
    for (const name of ['lobby.mp4', 'yard.mp4', 'gate.mp4']) {
      await page
        .locator('tr[data-status="done"]', { has: page.getByRole('rowheader', { name }) })
        .waitFor({ timeout: 60_000 });
    }
    const progress = await page
      .locator('tbody progress')
      .evaluateAll((els) => els.map((e) => e.getAttribute('value')));
    assert.deepEqual(progress, ['100', '100', '100']);
    assert.deepEqual(await seriousViolations(page), []);
    await page.screenshot({ path: path.join(shots, 'archive-1280.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('timeline tools: the frame at t of an upload, a step to the next frame, compare and same moment', async () => {
  const { page, errors } = await openPage();
  try {
    await page.goto(`${kadr.url}/tools`);
    await page.locator('#frame-video').selectOption({ label: 'lobby.mp4' });
    await page.locator('#frame-t').fill('0');
    await page.getByRole('button', { name: 'Show frame' }).click();
    const caption = page.locator('[aria-labelledby="tool-frame"] figcaption');
    await caption.getByText(/frame 0 \(0 skipped\)/).waitFor();
    await page.getByRole('button', { name: 'Next frame →' }).click();
    await caption.getByText(/frame 1 \(1 skipped\)/).waitFor();
    // The step landed on the frame the API names for that time, picture included.
    const t = await page.locator('#frame-t').inputValue();
    const videos = (await (
      await fetch(`${kadr.url}/api/videos?page=1&size=100`, { headers: auth })
    ).json()) as {
      items: { id: string; filename: string }[];
    };
    const lobby = videos.items.find((v) => v.filename === 'lobby.mp4')!;
    const info = (await (
      await fetch(`${kadr.url}/api/videos/${lobby.id}/frame?t=${t}&format=json`, { headers: auth })
    ).json()) as { index: number; ptsTicks: string };
    assert.equal(info.index, 1);
    await caption.getByText(`PTS ${info.ptsTicks} ×`).waitFor();
    await page.locator('[aria-labelledby="tool-frame"] img').waitFor();

    await page.locator('#cmp-a').selectOption({ label: 'lobby.mp4' });
    await page.locator('#cmp-b').selectOption({ label: 'yard.mp4' });
    await page.locator('#cmp-t').fill('500');
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.getByText('identical pictures (every sample equal)').waitFor();

    await page.locator('#moment-a').selectOption({ label: 'lobby.mp4' });
    await page.locator('#moment-b').selectOption({ label: 'yard.mp4' });
    await page.locator('#moment-t').fill('abc');
    await page.getByRole('button', { name: 'Show both' }).click();
    await page.getByText(/t must be milliseconds after the first frame/).waitFor();
    await page.locator('#moment-t').fill('1000');
    await page.getByRole('button', { name: 'Show both' }).click();
    await page
      .getByLabel('Skipped-frames log')
      .getByText(/a: lobby\.mp4: skipped \d+ frames to reach 1000 ms/)
      .waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await page.screenshot({ path: path.join(shots, 'tools-flow-1280.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test("a video's results: faces over time, the people found with their crops, each stretch opening the exact frame", async () => {
  const { page, errors } = await openPage();
  try {
    await page.goto(`${kadr.url}/archive`);
    await page.getByRole('link', { name: 'lobby.mp4' }).click();
    await page.getByRole('heading', { name: 'lobby.mp4', level: 1 }).waitFor();
    await page.locator('svg.chart title').waitFor({ state: 'attached' });
    const people = page.getByRole('list', { name: 'People found' }).getByRole('listitem');
    await people.first().waitFor();
    assert.ok((await people.count()) >= 1);
    const person = people.first();
    await person.locator('img.crop').waitFor();
    // The last stretch of the first person: a frame well inside the video, not its first.
    const stretch = person.getByRole('list').getByRole('button').last();
    // By keyboard: the stretch takes Enter, and the focus goes to the frame it opens.
    await stretch.focus();
    await page.keyboard.press('Enter');
    const caption = page.locator('figure.frame figcaption');
    await caption.waitFor();
    assert.equal(await page.evaluate('document.activeElement.id'), 'video-frame');
    const videoId = /\/videos\/([0-9a-f-]+)/.exec(page.url())![1]!;
    const atMs = Number(new URL(page.url()).searchParams.get('at'));
    const frame = (await (
      await fetch(`${kadr.url}/api/videos/${videoId}/frame?t=${atMs}&format=json`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { index: number; ptsTicks: string };
    // The frame FFmpeg's own ffprobe says is shown then.
    assert.equal(frame.index, truthIndexAt(ffprobeFrames(path.join(tmp, 'lobby.mp4')), atMs));
    assert.match(
      await caption.innerText(),
      new RegExp(`^Frame ${frame.index} of lobby.mp4, .* PTS ${frame.ptsTicks} `),
    );
    assert.equal(
      await page
        .locator('figure.frame img')
        .evaluate((img) => (img as { naturalWidth: number }).naturalWidth > 0),
      true,
    );
    assert.deepEqual(await seriousViolations(page), []);
    await page.screenshot({ path: path.join(shots, 'video-results-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    assert.deepEqual(await seriousViolations(page), [], 'video results at 390 px');
    await page.screenshot({ path: path.join(shots, 'video-results-390.png'), fullPage: true });
    // The person's link opens the profile, and from there the stretch opens the same frame again.
    await person.getByRole('heading').getByRole('link').click();
    await page.getByRole('heading', { name: 'Person', level: 1 }).waitFor();
    assert.match(page.url(), /\/people\/[0-9a-f-]+$/);
    await page.getByRole('link', { name: /^lobby\.mp4/ }).click();
    await caption.waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('cameras: a wrong URL gets its message at the field; a live camera added through the form plays in its tile, records, and its page shows the frame the API gives for a time', async () => {
  const { page, errors } = await openPage();
  try {
    await page.goto(`${kadr.url}/`);
    await page.getByText('No camera yet').waitFor();
    await page.getByLabel('Name').fill('gate');
    await page.getByLabel('RTSP URL').fill('http://192.0.2.1/gate');
    await page.getByRole('button', { name: 'Add camera' }).click();
    const urlError = page.locator('#camera-url-error');
    await urlError.waitFor();
    assert.match(await urlError.innerText(), /rtsp/i);
    assert.equal(await page.getByLabel('RTSP URL').getAttribute('aria-invalid'), 'true');

    await page.getByLabel('RTSP URL').fill(source.url('cam'));
    await page.getByLabel('Record continuously').check();
    await page.getByRole('button', { name: 'Add camera' }).click();
    await page.getByRole('heading', { name: 'gate', level: 2 }).waitFor();
    assert.equal(await page.locator('#camera-url-error').count(), 0);
    // The list is read every 5 s: live within two reads, then the tile plays the player page.
    await page.locator('.state-live').waitFor({ timeout: 15_000 });
    const player = page.frameLocator('iframe[title="Live picture of gate"]');
    await player.locator('video').waitFor();
    await page.waitForFunction(
      `document.querySelector('iframe').contentDocument?.querySelector('video')?.readyState >= 2`,
      undefined,
      { timeout: 20_000 },
    );
    await page.getByRole('button', { name: 'Stop recording' }).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await page.screenshot({ path: path.join(shots, 'cameras-1280.png'), fullPage: true });

    await page.getByRole('link', { name: 'gate' }).click();
    await page.getByRole('heading', { name: 'gate', level: 1 }).waitFor();
    // Segments are 2 s long: list until the first one is written.
    const firstSegment = page.getByRole('list', { name: 'Recorded segments' }).getByRole('button').first();
    for (let i = 0; i < 20 && !(await firstSegment.isVisible()); i++) {
      await page.getByRole('button', { name: 'List recordings' }).click();
      await page.waitForTimeout(500);
    }
    assert.ok(
      await firstSegment.isVisible(),
      await page.locator('section[aria-labelledby="recordings-title"]').innerText(),
    );
    await firstSegment.click();
    const caption = page.locator('figure.frame figcaption');
    await caption.waitFor({ timeout: 10_000 }).catch(async (e: unknown) => {
      throw new Error(
        `${String(e)}\n${await page.locator('section[aria-labelledby="frame-title"]').innerText()}`,
      );
    });
    const at = (await page.getByLabel('Time (local, to the millisecond)').inputValue()) as string;
    const iso = await page.evaluate(`new Date(${JSON.stringify(at)}).toISOString()`);
    const cameraId = /\/cameras\/([0-9a-f-]+)$/.exec(page.url())![1]!;
    const frame = (await (
      await fetch(
        `${kadr.url}/api/cameras/${cameraId}/frame?at=${encodeURIComponent(iso as string)}&format=json`,
        {
          headers: { authorization: `Bearer ${token}` },
        },
      )
    ).json()) as { index: number; ptsTicks: string };
    const text = await caption.innerText();
    assert.match(text, new RegExp(`frame ${frame.index} of its segment, PTS ${frame.ptsTicks} `), text);
    assert.equal(
      await page
        .locator('figure.frame img')
        .evaluate((img) => (img as { naturalWidth: number }).naturalWidth > 0),
      true,
    );
    assert.deepEqual(await seriousViolations(page), []);
    await page.screenshot({ path: path.join(shots, 'camera-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    assert.deepEqual(await seriousViolations(page), [], 'camera page at 390 px');
    await page.screenshot({ path: path.join(shots, 'camera-390.png'), fullPage: true });
    // The browser logs the refused request itself; nothing else may be there.
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /status of 400 \(Bad Request\) http:\S+\/api\/cameras$/);
  } finally {
    await page.close();
  }
});

test('camera timeline: a click shows the frame the API gives for that time; the keys and buttons step exactly one frame', async () => {
  const { page, errors } = await openPage();
  try {
    await page.goto(`${kadr.url}/`);
    await page.getByRole('link', { name: 'gate' }).click();
    await page.getByRole('heading', { name: 'gate', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'List recordings' }).click();
    const bar = page.getByRole('slider', { name: 'Recording of gate: time shown' });
    await bar.waitFor();
    const timeline = page.locator('section[aria-labelledby="timeline-title"]');
    const figure = timeline.locator('figure.frame');
    const cameraId = /\/cameras\/([0-9a-f-]+)$/.exec(page.url())![1]!;
    const get = async <T>(url: string, init: RequestInit = {}): Promise<T> => {
      const res = await fetch(`${kadr.url}${url}`, {
        ...init,
        headers: { authorization: `Bearer ${token}` },
      });
      assert.ok(res.ok, `${url}: ${res.status} ${await res.clone().text()}`);
      return (await res.json()) as T;
    };
    interface Shown {
      segment: string;
      index: number;
      pts: string;
      at: string;
      caption: string;
    }
    const shown = async (): Promise<Shown> => ({
      segment: (await figure.getAttribute('data-segment'))!,
      index: Number(await figure.getAttribute('data-index')),
      pts: (await figure.getAttribute('data-pts'))!,
      at: (await figure.getAttribute('data-at'))!,
      caption: await figure.locator('figcaption strong').innerText(),
    });
    const changed = async (from: Shown) => {
      const f = `document.querySelector('section[aria-labelledby="timeline-title"] figure.frame')`;
      await page.waitForFunction(
        `${f}?.getAttribute('data-pts') !== ${JSON.stringify(from.pts)} || ${f}?.getAttribute('data-segment') !== ${JSON.stringify(from.segment)}`,
      );
      return shown();
    };
    /** The time of day as the page shows it (local, to the ms). */
    const clock = async (iso: string) =>
      (await page.evaluate(
        `(() => { const d = new Date(${JSON.stringify(iso)}); const p = (n, w = 2) => String(n).padStart(w, '0'); return p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds()) + '.' + p(d.getMilliseconds(), 3); })()`,
      )) as string;

    // A click in the middle of the first segment: the frame the API gives for the time clicked.
    await bar.scrollIntoViewIfNeeded();
    const box = (await timeline.locator('.tl-segment').first().boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await figure.waitFor({ timeout: 10_000 }).catch(async (e: unknown) => {
      throw new Error(`${String(e)}\n${await timeline.innerText()}\n${errors.join('\n')}`);
    });
    const first = await shown();
    const api = await get<{ segmentId: string; index: number; ptsTicks: string; frameTime: string }>(
      `/api/cameras/${cameraId}/frame?at=${encodeURIComponent(first.at)}&format=json`,
    );
    assert.deepEqual([first.segment, first.index, first.pts], [api.segmentId, api.index, api.ptsTicks]);
    assert.ok(first.caption.includes(await clock(api.frameTime)), first.caption);
    assert.equal(
      await timeline
        .locator('figure.frame img')
        .evaluate((img) => (img as { naturalWidth: number }).naturalWidth > 0),
      true,
    );

    // Each step is exactly the neighbouring frame, as a session of our own names it.
    const session = await get<{ id: string }>(`/api/cameras/${cameraId}/frame-sessions`, { method: 'POST' });
    const neighbour = (f: Shown, step: number) =>
      get<{ segmentId: string; index: number; ptsTicks: string; frameTime: string; wallclockMs: number }>(
        `/api/cameras/${cameraId}/frame-sessions/${session.id}/frame?segment=${f.segment}&index=${f.index}&step=${step}&format=json`,
      );
    const expectStep = async (from: Shown, step: number, act: () => Promise<void>) => {
      const want = await neighbour(from, step);
      await act();
      const now = await changed(from);
      assert.deepEqual([now.segment, now.index, now.pts], [want.segmentId, want.index, want.ptsTicks]);
      if (now.segment === from.segment) assert.equal(now.index, from.index + step, 'one frame');
      assert.notEqual(now.caption, from.caption);
      assert.ok(now.caption.includes(await clock(want.frameTime)), `${now.caption} vs ${want.frameTime}`);
      return now;
    };
    await bar.focus();
    const next = await expectStep(first, 1, () => page.keyboard.press('ArrowRight'));
    const back = await expectStep(next, -1, () =>
      page.getByRole('button', { name: 'Previous frame' }).click(),
    );
    assert.deepEqual([back.segment, back.index, back.pts], [first.segment, first.index, first.pts]);
    await bar.focus();
    const before = await expectStep(back, -1, () => page.keyboard.press('ArrowLeft'));
    await expectStep(before, 1, () => page.getByRole('button', { name: 'Next frame' }).click());

    assert.deepEqual(await seriousViolations(page), []);
    await page.screenshot({ path: path.join(shots, 'camera-timeline-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    assert.deepEqual(await seriousViolations(page), [], 'camera timeline at 390 px');
    await page.screenshot({ path: path.join(shots, 'camera-timeline-390.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('cameras: a camera edited by keyboard (0 hours and a wrong URL first: the messages at their fields); name, credentials and retention saved, the credentials never shown back', async () => {
  const NEW_PASSWORD = 'Edit-Pw-3x!';
  const { page, errors } = await openPage();
  try {
    await page.goto(`${kadr.url}/cameras`);
    await page.getByRole('heading', { name: 'gate', level: 2 }).waitFor();
    await page.getByRole('button', { name: 'Edit gate…' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Edit gate' });
    await dialog.waitFor();
    // The keyboard stays in the dialog: the first field has it, not the page behind.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(`document.activeElement.closest('dialog') !== null`), true);
    const url = dialog.getByLabel('RTSP URL');
    assert.equal(await url.inputValue(), source.url('cam'));
    // 0 hours is refused (not taken for "no limit"), with the schema's rule at the field.
    const hours = dialog.getByLabel('Delete recordings older than (hours)');
    await hours.fill('0');
    await dialog.getByRole('button', { name: 'Save' }).click();
    const hoursError = dialog.locator('#edit-camera-max-age-error');
    await hoursError.waitFor();
    assert.equal(await hoursError.innerText(), 'must be > 0');
    await hours.fill('48');
    await url.fill('http://192.0.2.1/gate');
    await dialog.getByRole('button', { name: 'Save' }).click();
    const urlError = dialog.locator('#edit-camera-url-error');
    await urlError.waitFor();
    assert.match(await urlError.innerText(), /rtsp/i);
    assert.equal(await url.getAttribute('aria-invalid'), 'true');
    assert.deepEqual(await seriousViolations(page), [], 'edit dialog at 1280 px');
    await page.screenshot({ path: path.join(shots, 'camera-edit-1280.png') });

    await url.fill(source.url('cam'));
    await dialog.getByLabel('Name').fill('gate-east');
    await dialog.getByLabel('New user').fill('viewer');
    await dialog.getByLabel('New password').fill(NEW_PASSWORD);
    await dialog.getByLabel('Keep at most (GB of recordings)').fill('2.5');
    await dialog.getByLabel('New password').press('Enter');
    await page.getByRole('heading', { name: 'gate-east', level: 2 }).waitFor();
    assert.equal(await dialog.count(), 0, 'the dialog closed');
    const cameras = (await (
      await fetch(`${kadr.url}/api/cameras`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as {
      items: {
        name: string;
        url: string;
        hasCredentials: boolean;
        retention: Record<string, number | null>;
      }[];
    };
    const edited = cameras.items.find((c) => c.name === 'gate-east');
    assert.ok(edited, JSON.stringify(cameras.items.map((c) => c.name)));
    assert.equal(edited.url, source.url('cam'));
    assert.equal(edited.hasCredentials, true);
    assert.deepEqual(edited.retention, { maxAgeHours: 48, maxBytes: 2_500_000_000 });

    // Opened again: the retention as saved, the credentials write-only.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('button', { name: 'Edit gate-east…' }).click();
    const again = page.getByRole('dialog', { name: 'Edit gate-east' });
    await again.waitFor();
    assert.equal(await again.getByLabel('Delete recordings older than (hours)').inputValue(), '48');
    assert.equal(await again.getByLabel('Keep at most (GB of recordings)').inputValue(), '2.5');
    assert.equal(await again.getByLabel('New user').inputValue(), '');
    assert.equal(await again.getByLabel('New password').inputValue(), '');
    assert.ok(!(await page.content()).includes(NEW_PASSWORD));
    assert.deepEqual(await seriousViolations(page), [], 'edit dialog at 390 px');
    await page.screenshot({ path: path.join(shots, 'camera-edit-390.png') });
    await page.keyboard.press('Escape');
    await again.waitFor({ state: 'detached' });
    // The keyboard is back where it was: on the button that opened the dialog.
    assert.equal(await page.evaluate(`document.activeElement.getAttribute('aria-label')`), 'Edit gate-east…');
    // The browser logs the refused requests itself; nothing else may be there.
    assert.equal(errors.length, 2, errors.join('\n'));
    for (const e of errors)
      assert.match(e, /status of 400 \(Bad Request\) http:\S+\/api\/cameras\/[0-9a-f-]+$/);
  } finally {
    await page.close();
  }
});

test('people: a wrong birth date gets the server message at its field, a right one is saved, a profile is deleted', async () => {
  const { page, errors } = await openPage();
  try {
    await page.goto(`${kadr.url}/people`);
    const cards = page.getByRole('listitem');
    await cards.first().waitFor();
    const before = await cards.count();
    assert.ok(before >= 2, `profiles found in the uploaded videos: ${before}`);
    const card = cards.first();
    await card.getByRole('button', { name: 'Edit' }).click();
    await card.getByLabel('Last name').fill('Ivanova');
    await card.getByLabel('Birth date').fill('2031-02-30');
    await card.getByRole('button', { name: 'Save' }).click();
    const birthError = card.locator('.field-error');
    await birthError.waitFor();
    assert.equal(await card.getByLabel('Birth date').getAttribute('aria-invalid'), 'true');
    await card.getByLabel('Birth date').fill('1990-04-21');
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByRole('heading', { name: 'Ivanova' }).waitFor();
    assert.match(await card.innerText(), /born 1990-04-21/);
    const last = cards.last();
    await last.getByRole('button', { name: 'Delete…' }).click();
    await last.getByRole('button', { name: 'Delete this profile for good' }).click();
    await page.waitForFunction(
      `document.querySelectorAll('.people [role=listitem]').length === ${before - 1}`,
    );
    await page.reload();
    await cards.first().waitFor();
    assert.equal(await cards.count(), before - 1, 'the deletion is on the server');
    assert.match(await cards.first().innerText(), /Ivanova/);
    // The browser logs the refused request (422) itself; nothing else may be there.
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /status of 422 \(Unprocessable Entity\) http:\S+\/api\/profiles\/[0-9a-f-]+$/);
  } finally {
    await page.close();
  }
});

test('events: analytics attached on a camera page find a person, the event arrives live on the events page with its snapshot and opens its frame; a clip exported there downloads; detach', async () => {
  // A camera showing people walking in (test/fixtures/live-analytics, the woman enters 1 s in), recorded.
  const rtsp = await startKadrRtspServe([HALL_CLIP], ['--loop']);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const created = (await (
    await fetch(`${kadr.url}/api/cameras`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'hall', url: rtsp.url('one-by-one-5-26s'), record: true }),
    })
  ).json()) as { id: string };
  const events = await openPage();
  const camera = await openPage();
  try {
    await events.page.goto(`${kadr.url}/events`);
    await events.page.getByText('No event for these filters yet').waitFor();

    await camera.page.goto(`${kadr.url}/cameras/${created.id}`);
    const panel = camera.page.locator('section[aria-labelledby="analytics-title"]');
    await panel.getByText('Not attached').waitFor();
    await panel.getByLabel('Frames analysed a second').fill('40');
    await panel.getByRole('button', { name: 'Attach analytics' }).click();
    // The server's limit, at the field.
    await panel.locator('#analytics-fps-error').waitFor();
    await panel.getByLabel('Frames analysed a second').fill('2');
    await panel.getByLabel('Frames analysed a second').press('Enter');
    await panel
      .getByText(/analysing persons at 2 frames\/s · [1-9]\d* frames analysed/)
      .waitFor({ timeout: 30_000 });

    const live = events.page
      .getByRole('list', { name: 'New events, newest first' })
      .locator('article')
      .first();
    await live.waitFor({ timeout: 30_000 });
    assert.match(await live.getByRole('heading').innerText(), /^person/);
    assert.match(await live.innerText(), /hall · .*confidence \d+%/s);
    await live.locator('img.snapshot').waitFor();
    assert.deepEqual(await seriousViolations(events.page), []);
    await events.page.screenshot({ path: path.join(shots, 'events-live-1280.png'), fullPage: true });
    await events.page.setViewportSize({ width: 390, height: 844 });
    assert.deepEqual(await seriousViolations(events.page), [], 'events at 390 px');
    await events.page.screenshot({ path: path.join(shots, 'events-live-390.png'), fullPage: true });

    const liveId = await live.getAttribute('data-event');
    // Filters: no object event; the person event in the list read from the API, the filter in the URL.
    await events.page.getByLabel('Type').selectOption('object');
    await events.page.getByRole('button', { name: 'Show events' }).click();
    await events.page.getByText('No event for these filters yet').waitFor();
    await events.page.getByLabel('Type').selectOption('person');
    await events.page.getByRole('button', { name: 'Show events' }).click();
    const listed = events.page.getByRole('list', { name: 'Events, oldest first' }).locator('article').first();
    await listed.waitFor();
    assert.match(events.page.url(), /\/events\?type=person&from=/);
    const listedIds = await events.page
      .getByRole('list', { name: 'Events, oldest first' })
      .locator('article')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-event')));
    assert.ok(listedIds.includes(liveId), `${liveId} in ${listedIds.join(', ')}`);
    await listed.getByRole('link', { name: 'Open the first frame' }).click();
    await events.page.getByRole('heading', { name: 'hall', level: 1 }).waitFor();
    const at = new URL(events.page.url()).searchParams.get('at')!;
    const caption = events.page.locator('figure.frame figcaption');
    // The event's first frame is recorded once its 2 s segment is written.
    for (let i = 0; i < 20 && !(await caption.isVisible()); i++) {
      await events.page.waitForTimeout(500);
      if (!(await caption.isVisible())) await events.page.getByRole('button', { name: 'Show frame' }).click();
    }
    const frame = (await (
      await fetch(`${kadr.url}/api/cameras/${created.id}/frame?at=${encodeURIComponent(at)}&format=json`, {
        headers,
      })
    ).json()) as { index: number; ptsTicks: string; frameTime: string };
    assert.match(
      await caption.innerText(),
      new RegExp(`frame ${frame.index} of its segment, PTS ${frame.ptsTicks} `),
    );

    // Export one second from the event's frame (the From mark follows the frame shown).
    const exportSection = events.page.locator('section[aria-labelledby="export-title"]');
    const from = await exportSection.getByLabel('From (local time)').inputValue();
    const toMs = new Date(at).getTime() + 1000;
    const to = localInput(toMs);
    assert.equal(new Date(from).getTime(), new Date(at).getTime());
    await exportSection.getByLabel('To (local time)').fill(to);
    // Wait until `to` is recorded too (the segment holding it is written).
    for (let i = 0; i < 20; i++) {
      const res = await fetch(
        `${kadr.url}/api/cameras/${created.id}/frame?at=${new Date(toMs).toISOString()}&format=json`,
        { headers },
      );
      if (res.ok) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const [posted] = await Promise.all([
      events.page.waitForResponse((r) => /\/api\/cameras\/[^/]+\/exports$/.test(r.url())),
      exportSection.getByRole('button', { name: 'Export clip' }).click(),
    ]);
    const exportId = ((await posted.json()) as { id: string }).id;
    const link = exportSection.getByRole('link', { name: /^Download clip-.*\.mp4/ });
    await link.waitFor({ timeout: 20_000 });
    const job = (await (await fetch(`${kadr.url}/api/exports/${exportId}`, { headers })).json()) as {
      frames: number;
    };
    assert.match(
      await exportSection.getByRole('status').innerText(),
      new RegExp(`100% ${job.frames} frames`),
    );
    // The source has B-frames: the clip also carries frames presented after `to` (decoded before its
    // last one), which its edit list does not show (media/clip-writer.ts); here the download is
    // checked to be that file.
    assert.ok(job.frames >= 5 && job.frames <= 12, `frames of a 1 s clip at 10 fps: ${job.frames}`);
    const [download] = await Promise.all([events.page.waitForEvent('download'), link.click()]);
    const saved = path.join(tmp, 'clip.mp4');
    await download.saveAs(saved);
    const missing = await fetch(`${kadr.url}/api/exports/${randomUUID()}/file`, { headers });
    assert.equal(missing.status, 404);
    const file = await fetch(`${kadr.url}/api/exports/${exportId}/file`, { headers });
    assert.equal(file.status, 200);
    assert.match(file.headers.get('content-disposition')!, /^attachment; filename="clip-.*\.mp4"$/);
    assert.ok(
      Buffer.from(await file.arrayBuffer()).equals(await readFile(saved)),
      'the download is the export',
    );
    assert.deepEqual(await seriousViolations(events.page), [], 'camera page with its export at 390 px');
    await events.page.screenshot({ path: path.join(shots, 'camera-export-390.png'), fullPage: true });

    await panel.getByRole('button', { name: 'Detach analytics' }).click();
    await panel.getByText('Not attached').waitFor();
    const after = (await (await fetch(`${kadr.url}/api/cameras/${created.id}`, { headers })).json()) as {
      analytics: unknown;
    };
    assert.equal(after.analytics, null);
    // The browser logs the refused attach (400) itself; nothing else may be there.
    assert.deepEqual(events.errors, []);
    assert.equal(camera.errors.length, 1, camera.errors.join('\n'));
    assert.match(camera.errors[0]!, /status of 400 \(Bad Request\) http:\S+\/analytics$/);
  } finally {
    await events.page.close();
    await camera.page.close();
    await fetch(`${kadr.url}/api/cameras/${created.id}`, { method: 'DELETE', headers });
    await rtsp.kill();
  }
});

test('every page loads without console errors or serious axe violations, at 1280x720 and on a phone', async () => {
  for (const [width, height] of [
    [1280, 720],
    [390, 844],
  ] as const) {
    for (const section of ['cameras', 'events', 'archive', 'people', 'tools']) {
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
