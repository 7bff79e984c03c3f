/**
 * Watches kadr's player page in Debian's Chromium (playwright-core, no browser download) and samples
 * what it plays: the media time of each presented frame (requestVideoFrameCallback) and the latency
 * from capture to screen, Date.now() minus hls.js's playingDate (the program date of the frame shown:
 * the camera's wallclock from RTCP sender reports). Used by the LL-HLS test and bench/hls-latency.ts.
 */
import { chromium, type Browser } from 'playwright-core';

export interface HlsPlayback {
  mode: string;
  width: number;
  mediaTimes: number[];
  latenciesMs: number[];
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless=new', '--autoplay-policy=no-user-gesture-required'],
  });
}

/**
 * Opens `pageUrl` (the player page), waits up to 15 s for a picture, then samples for `seconds`
 * (latency every `sampleMs`). The browser-side code is a string: the test runner's transpiler would
 * otherwise add helpers to the function that do not exist in the page.
 */
export async function watchHls(
  browser: Browser,
  pageUrl: string,
  token: string,
  seconds: number,
  sampleMs = 200,
): Promise<HlsPlayback> {
  const page = await browser.newPage();
  try {
    await page.addInitScript(`sessionStorage.setItem('kadr-token', ${JSON.stringify(token)})`);
    await page.goto(pageUrl);
    const result = (await page.evaluate(`(async () => {
      const video = document.querySelector('video');
      const player = window.kadrPlayer;
      const deadline = Date.now() + 15000;
      while (video.readyState < 2 && Date.now() < deadline && !player.error) await new Promise((r) => setTimeout(r, 100));
      if (video.readyState < 2) return { error: player.error || 'readyState ' + video.readyState };
      const mediaTimes = [];
      const latenciesMs = [];
      const onFrame = (now, meta) => { mediaTimes.push(meta.mediaTime); video.requestVideoFrameCallback(onFrame); };
      video.requestVideoFrameCallback(onFrame);
      const end = Date.now() + ${seconds * 1000};
      while (Date.now() < end) {
        await new Promise((r) => setTimeout(r, ${sampleMs}));
        const date = player.hls && player.hls.playingDate;
        if (date) latenciesMs.push(Date.now() - date.getTime());
      }
      return { mode: player.mode, width: video.videoWidth, mediaTimes, latenciesMs };
    })()`)) as HlsPlayback | { error: string };
    if ('error' in result) throw new Error(`the page does not play: ${result.error}`);
    return result;
  } finally {
    await page.close();
  }
}

/** The q-quantile (0..1) of samples, nearest rank. */
export function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
