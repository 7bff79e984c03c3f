/**
 * `kadr push`: sends JPEG frames to a kadr server's ingest API (docs/ingest.md) from a test pattern, a
 * folder of JPEG files or a V4L2 camera, keeping up with the source: a live source's frames wait in a
 * short queue while one is being sent, and the oldest is dropped when it is full. Ctrl-C finishes the
 * session, so what was sent is stored.
 */
import { loadConfig } from '../../config/index.js';
import { KadrError } from '../../core/errors.js';
import { flag, stringOption, type Command, type ParsedArgs } from '../command.js';
import { toJson } from '../output.js';
import { PushSender } from '../push-sender.js';
import {
  deviceSource,
  folderSource,
  patternSource,
  type PushFrame,
  type PushSource,
} from '../push-sources.js';
import { createStatusLine } from '../progress.js';

/** Frames of a live source waiting to be sent; past this the oldest is dropped. */
const LIVE_QUEUE = 8;

const usage = `usage: kadr push --name <name> (--pattern | --folder <dir> | --device <path>) [options]

Opens an ingest session on a kadr server, sends every frame as a JPEG with its capture time, and
finishes the session at the end of the source or on Ctrl-C. Prints frames sent, dropped (a live source
outran the server or the network) and refused (the server said no: out of order, duplicate, not a
JPEG), then the recording's key.

sources:
  --pattern              kadr's test picture (frame number as a pattern and as digits), made here
                         at --fps; capture time: this machine's clock when each frame is made
  --folder <dir>         its *.jpg / *.jpeg files, oldest first; capture time: each file's
                         modification time, or with --fps the start time plus n / fps (name order)
  --device <path>        a V4L2 camera (e.g. /dev/video0), MJPEG; capture time: the kernel's
                         capture timestamp (not tested on a real camera yet)

options:
  --server <url>         the kadr server (default http://127.0.0.1:8080)
  --fps <n>              frames per second of --pattern (default 25) / --device, or --folder's times
  --size <WxH>           picture size of --pattern (default 1280x720) / --device
  --frames <n>           stop after n frames (--pattern)
  --duration <s>         stop after s seconds
  --json                 print the result as JSON

Environment: KADR_TOKEN, the server's API token.`;

function positive(args: ParsedArgs, name: string): number | null {
  const raw = stringOption(args, name);
  if (raw === undefined) return null;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0)
    throw new KadrError('KADR_ERR_USAGE', `--${name} must be a positive number, got '${raw}'`);
  return v;
}

function size(args: ParsedArgs): { width: number; height: number } | null {
  const raw = stringOption(args, 'size');
  if (raw === undefined) return null;
  const m = /^(\d+)x(\d+)$/.exec(raw);
  const width = Number(m?.[1]);
  const height = Number(m?.[2]);
  if (!m || width < 16 || height < 16 || width > 7680 || height > 4320 || width % 2 || height % 2) {
    throw new KadrError(
      'KADR_ERR_USAGE',
      `--size must be WIDTHxHEIGHT, even, 16x16 to 7680x4320, got '${raw}'`,
    );
  }
  return { width, height };
}

async function openSource(args: ParsedArgs): Promise<PushSource> {
  const fps = positive(args, 'fps');
  const frames = positive(args, 'frames');
  const dims = size(args);
  const folder = stringOption(args, 'folder');
  const device = stringOption(args, 'device');
  const chosen = [flag(args, 'pattern'), folder !== undefined, device !== undefined].filter(Boolean).length;
  if (chosen !== 1) {
    throw new KadrError('KADR_ERR_USAGE', 'give one source: --pattern, --folder <dir> or --device <path>', {
      hint: 'kadr push --name test --pattern --fps 25 --frames 100',
    });
  }
  if (folder !== undefined) return folderSource(folder, fps);
  if (device !== undefined) return deviceSource(device, { ...(dims ?? {}), ...(fps ? { fps } : {}) });
  return patternSource({
    ...(dims ?? { width: 1280, height: 720 }),
    fps: fps ?? 25,
    frames: frames === null ? null : Math.floor(frames),
  });
}

export const pushCommand: Command = {
  name: 'push',
  usage,
  stopsOnSignal: true,
  options: {
    server: { type: 'string' },
    name: { type: 'string' },
    pattern: { type: 'boolean' },
    folder: { type: 'string' },
    device: { type: 'string' },
    fps: { type: 'string' },
    size: { type: 'string' },
    frames: { type: 'string' },
    duration: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, io) {
    const name = stringOption(args, 'name');
    if (!name)
      throw new KadrError('KADR_ERR_USAGE', 'need --name <name> for the session', {
        hint: 'kadr push --name door --pattern',
      });
    const duration = positive(args, 'duration');
    const status = createStatusLine(io.err);
    const sender = new PushSender(
      stringOption(args, 'server') ?? 'http://127.0.0.1:8080',
      loadConfig().client.token,
      name,
      (line) => status.print(line),
    );
    const source = await openSource(args);
    // Stops the source: after --duration what is queued is still sent; Ctrl-C also stops the sending at
    // once. Either way the session is then finished.
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    io.signal.addEventListener('abort', onSignal, { once: true });
    const timer = duration ? setTimeout(() => stop.abort(), duration * 1000) : null;
    const queue: PushFrame[] = [];
    let dropped = 0;
    let ended = false;
    let wake: (() => void) | null = null;
    let room: (() => void) | null = null;
    const show = () =>
      status.show(
        `sent ${sender.counts.sent}, dropped ${dropped}, refused ${sender.counts.refused}, retries ${sender.counts.retries}`,
      );
    const produce = async () => {
      try {
        for (;;) {
          if (!source.live)
            while (queue.length >= LIVE_QUEUE && !stop.signal.aborted)
              await new Promise<void>((r) => (room = r));
          const frame = await source.next(stop.signal);
          if (!frame) break;
          queue.push(frame);
          if (source.live && queue.length > LIVE_QUEUE) {
            queue.shift();
            dropped++;
          }
          wake?.();
        }
      } finally {
        ended = true;
        wake?.();
      }
    };
    const consume = async () => {
      try {
        await send();
      } finally {
        // However sending ended (done, Ctrl-C, an error), the source stops and a waiting read goes on.
        stop.abort();
        room?.();
      }
    };
    const send = async () => {
      for (;;) {
        const frame = queue.shift();
        room?.();
        if (!frame) {
          if (ended) return;
          await new Promise<void>((r) => (wake = r));
          wake = null;
          continue;
        }
        // Ctrl-C ends sending (and a retry in progress) at once: the session is finished with what it has.
        if ((await sender.send(frame.jpeg, frame.captureMs, io.signal)) === 'stopped') {
          dropped += queue.length + 1;
          queue.length = 0;
          return;
        }
        show();
      }
    };
    try {
      await Promise.all([produce(), consume()]);
    } finally {
      if (timer) clearTimeout(timer);
      io.signal.removeEventListener('abort', onSignal);
      await source.close();
    }
    await sender.finish();
    status.done();
    const result = { ...sender.counts, dropped, recordings: sender.recordings };
    if (flag(args, 'json')) io.out.write(`${toJson(result)}\n`);
    else {
      io.out.write(
        `sent ${result.sent}, dropped ${dropped}, refused ${result.refused}, retries ${result.retries}\n`,
      );
      for (const r of sender.recordings)
        io.out.write(`${r.key}: ${r.frames} frames, ${r.firstFrameTime} .. ${r.lastFrameTime}\n`);
    }
    return sender.recordings.length > 0 || result.sent === 0 ? 0 : 1;
  },
};
