/**
 * The live camera that draws its capture time into the picture (gst-clock-camera.py, gst-rtsp-server
 * nobody here wrote) and the reading of that time back from a JPEG with Tesseract. The drawn time is
 * the source's own: nothing here is fitted to what kadr answers.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../recorder/rtsp-source.js';

const run = promisify(execFile);
const SCRIPT = path.join(import.meta.dirname, 'gst-clock-camera.py');
/** The white box the camera draws the time in (x, y, width, height), as gst-clock-camera.py's BOX. */
const BOX = { x: 16, y: 16, w: 336, h: 80 };
/** What the camera draws: the milliseconds of the UTC day, 8 digits. */
const DAY_MS = 86_400_000;

export interface ClockCamera {
  readonly url: string;
  /** RTSP connections made to it so far. */
  readonly connected: number;
  kill(): Promise<void>;
  /** Starts it again on the same port (a camera back after a power cut). */
  restart(): Promise<void>;
}

export async function startClockCamera(): Promise<ClockCamera> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  let connected = 0;
  const start = async () => {
    const proc = spawn('/usr/bin/python3', [SCRIPT, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`gst-clock-camera exited with ${code}`)));
      let buffered = '';
      proc.stdout!.on('data', (d: Buffer) => {
        buffered += d.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          if (line.startsWith('rtsp server on')) resolve();
          else if (line === 'client connected') connected++;
        }
      });
    });
    proc.removeAllListeners('exit');
  };
  const kill = async () => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    const gone = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await gone;
  };
  await start();
  return {
    url: `rtsp://127.0.0.1:${port}/cam`,
    get connected() {
      return connected;
    },
    kill,
    restart: start,
  };
}

export interface DrawnTimeReader {
  /**
   * The capture time drawn into `jpeg` (ms since 1970): the digits give the milliseconds of the UTC
   * day, placed on the day nearest to `nearMs`. Null when Tesseract does not read 8 digits; `text`
   * is what it read.
   */
  read(jpeg: Buffer, nearMs: number): Promise<{ ms: number | null; text: string }>;
  close(): Promise<void>;
}

export async function drawnTimeReader(): Promise<DrawnTimeReader> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kadr-drawn-time-'));
  let n = 0;
  return {
    async read(jpeg, nearMs) {
      const name = path.join(dir, `f${n++}`);
      await writeFile(`${name}.jpg`, jpeg);
      await run('ffmpeg', [
        '-v', 'error', '-i', `${name}.jpg`, '-vf', `crop=${BOX.w}:${BOX.h}:${BOX.x}:${BOX.y}`, `${name}.png`,
      ]); // prettier-ignore
      const { stdout } = await run('tesseract', [
        `${name}.png`, '-', '--psm', '7', '-c', 'tessedit_char_whitelist=0123456789',
      ]); // prettier-ignore
      const text = stdout.trim();
      if (!/^\d{8}$/.test(text)) return { ms: null, text };
      const ofDay = Number(text);
      const day = Math.round((nearMs - ofDay) / DAY_MS);
      return { ms: day * DAY_MS + ofDay, text };
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
