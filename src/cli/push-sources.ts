/**
 * Where `kadr push` takes its frames from: a test pattern made in-process, a folder of JPEG files, or a
 * V4L2 camera. A live source (pattern, camera) makes frames at its own rate whether or not the sender
 * keeps up (the sender drops what it cannot send); a folder is read as fast as the sender takes it.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KadrError } from '../core/errors.js';

export interface PushFrame {
  jpeg: Buffer;
  /** Capture time, ms since 1970. */
  captureMs: number;
}

export interface PushSource {
  /** True when frames come at the source's own pace and are dropped if not sent in time. */
  readonly live: boolean;
  /** The next frame, or null at the end (or when `signal` aborts). */
  next(signal: AbortSignal): Promise<PushFrame | null>;
  close(): Promise<void>;
}

/** The synthetic test picture at `fps`, each frame's capture time the clock when it is made. */
export async function patternSource(o: {
  width: number;
  height: number;
  fps: number;
  frames: number | null;
}): Promise<PushSource> {
  const { patternJpeg } = await import('../media/index.js');
  const intervalMs = 1000 / o.fps;
  let n = 0;
  let startMs: number | null = null;
  let lastMs = -1;
  return {
    live: true,
    async next(signal) {
      if (o.frames !== null && n >= o.frames) return null;
      startMs ??= Date.now();
      const due = startMs + n * intervalMs;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return null;
      // The clock, not n / fps: a pattern that falls behind shows it in its frame times.
      const captureMs = Math.max(Date.now(), lastMs + 1);
      lastMs = captureMs;
      const jpeg = patternJpeg({ width: o.width, height: o.height }, n, captureMs - startMs);
      n++;
      return { jpeg, captureMs };
    },
    async close() {},
  };
}

/**
 * The JPEG files of a folder (*.jpg, *.jpeg), oldest first. Capture time: each file's modification
 * time, or, with `fps`, the time the push started plus n / fps (for files whose times mean nothing).
 */
export async function folderSource(dir: string, fps: number | null): Promise<PushSource> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.jpe?g$/i.test(n));
  } catch (error) {
    throw new KadrError(
      'KADR_ERR_INPUT_NOT_FOUND',
      `cannot read the folder ${dir}: ${(error as Error).message}`,
    );
  }
  if (names.length === 0) throw new KadrError('KADR_ERR_INPUT_NOT_FOUND', `no .jpg or .jpeg files in ${dir}`);
  const files = await Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name);
      return { file, mtimeMs: Math.round((await stat(file)).mtimeMs) };
    }),
  );
  if (fps === null) files.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.file < b.file ? -1 : 1));
  else files.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const startMs = Date.now();
  let n = 0;
  return {
    live: false,
    async next(signal) {
      if (signal.aborted || n >= files.length) return null;
      const f = files[n]!;
      const captureMs = fps === null ? f.mtimeMs : startMs + Math.round((n * 1000) / fps);
      n++;
      return { jpeg: await readFile(f.file), captureMs };
    },
    async close() {},
  };
}

/** A V4L2 camera (node-av's device input). */
export async function deviceSource(
  device: string,
  o: { width?: number; height?: number; fps?: number },
): Promise<PushSource> {
  const { DeviceJpegSource } = await import('../media/index.js');
  const camera = await DeviceJpegSource.open(device, o);
  return {
    live: true,
    next: (signal) => (signal.aborted ? Promise.resolve(null) : camera.next()),
    close: () => camera.close(),
  };
}
