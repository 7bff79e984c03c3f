/**
 * Test helpers for the live cameras: a live camera nobody here wrote (gst-rtsp-server encoding a live
 * videotestsrc, gst-live-server.py) that counts the RTSP connections made to it and can be killed and
 * started again on the same port; GStreamer's rtspsrc as a viewer that reports the RTP timestamps it
 * receives (gst-rtp-client.py); kadr's RTSP server serving a LiveCameras runtime.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RtspServer, type RtspServerOptions } from '../../../src/rtsp/index.js';
import type { LiveCameras } from '../../../src/streams/index.js';
import { StreamRegistry } from '../../../src/streams/index.js';
import { freePort } from '../recorder/rtsp-source.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface LiveSource {
  url(name: string): string;
  /** RTSP connections made to the camera so far, and those closed. */
  readonly connected: number;
  readonly closed: number;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

/**
 * mounts: name -> 'h264' | 'h265' | 'h264-heavy' (noise at about 5 Mbit/s) | 'h264-gop3' (a keyframe
 * every 3 s) | 'h264-bframes' (x264, 2 B-frames between references).
 */
export async function startLiveSource(
  mounts: Record<string, 'h264' | 'h265' | 'h264-heavy' | 'h264-gop3' | 'h264-bframes'>,
  port?: number,
): Promise<LiveSource> {
  const p = port ?? (await freePort());
  let child: ChildProcess | null = null;
  const counts = { connected: 0, closed: 0 };
  const start = async () => {
    const proc = spawn(
      '/usr/bin/python3',
      [
        path.join(here, 'gst-live-server.py'),
        String(p),
        ...Object.entries(mounts).map(([n, c]) => `${n}=${c}`),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    child = proc;
    await new Promise<void>((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`gst-live-server exited with ${code}`)));
      let buffered = '';
      proc.stdout!.on('data', (d: Buffer) => {
        buffered += d.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          if (line.startsWith('rtsp server on')) resolve();
          else if (line === 'client connected') counts.connected++;
          else if (line === 'client closed') counts.closed++;
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
    url: (name) => `rtsp://127.0.0.1:${p}/${name}`,
    get connected() {
      return counts.connected;
    },
    get closed() {
      return counts.closed;
    },
    kill,
    restart: start,
  };
}

export interface GstViewerResult {
  code: number | null;
  /** RTP timestamp of each access unit received (its marker packet), in order. */
  timestamps: number[];
  /** Local time (ms) each of them was printed. */
  at: number[];
  ended: boolean;
  error: string | null;
}

/** GStreamer rtspsrc watching `url` for `seconds`. */
export function gstViewer(
  url: string,
  transport: 'tcp' | 'udp',
  codec: 'h264' | 'h265',
  seconds: number,
): Promise<GstViewerResult> {
  return startGstViewer(url, transport, codec, seconds).done;
}

/** The same, with what it has received so far readable while it runs. */
export function startGstViewer(
  url: string,
  transport: 'tcp' | 'udp',
  codec: 'h264' | 'h265',
  seconds: number,
): { now: GstViewerResult; done: Promise<GstViewerResult> } {
  const result: GstViewerResult = { code: null, timestamps: [], at: [], ended: false, error: null };
  const done = new Promise<GstViewerResult>((resolve) => {
    const proc = spawn(
      '/usr/bin/python3',
      [path.join(here, 'gst-rtp-client.py'), url, transport, codec, String(seconds)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let buffered = '';
    proc.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('ts ')) {
          result.timestamps.push(Number(line.slice(3)));
          result.at.push(Date.now());
        } else if (line === 'EOS') result.ended = true;
        else if (line.startsWith('ERROR')) result.error = line;
      }
    });
    proc.stderr.resume();
    const kill = setTimeout(() => proc.kill('SIGKILL'), (seconds + 20) * 1000);
    proc.once('exit', (code) => {
      clearTimeout(kill);
      result.code = code;
      resolve(result);
    });
  });
  return { now: result, done };
}

/** `ffprobe -show_frames` of `frames` frames of a live RTSP URL: each frame's pts (90 kHz) and key flag. */
export function ffprobeLive(
  url: string,
  transport: 'tcp' | 'udp',
  frames: number,
): Promise<{ pts: number[]; key: boolean[]; code: number | null }> {
  return new Promise((resolve) => {
    execFile(
      'ffprobe',
      [
        '-v',
        'error',
        '-rtsp_transport',
        transport,
        '-timeout',
        '20000000',
        '-read_intervals',
        `%+#${frames}`,
        '-select_streams',
        'v:0',
        '-show_entries',
        'frame=pts,key_frame',
        '-of',
        'json',
        url,
      ],
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        const parsed = (stdout ? JSON.parse(stdout) : { frames: [] }) as {
          frames?: { pts?: number; key_frame: number }[];
        };
        const list = parsed.frames ?? [];
        resolve({
          pts: list.map((f) => f.pts ?? NaN),
          key: list.map((f) => f.key_frame === 1),
          code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
        });
      },
    );
  });
}

export interface KadrLiveServer {
  cameras: LiveCameras;
  server: RtspServer;
  port: number;
  url(name: string): string;
  close(): Promise<void>;
}

/** kadr's RTSP server on a free port, serving the cameras of `cameras` at their names. */
export async function startKadrLive(
  cameras: LiveCameras,
  options: Partial<RtspServerOptions> = {},
): Promise<KadrLiveServer> {
  const registry = new StreamRegistry();
  registry.setLiveMounts(cameras);
  const server = new RtspServer({ ...options, handler: registry, host: '127.0.0.1', port: 0 });
  const { port } = await server.listen();
  return {
    cameras,
    server,
    port,
    url: (name) => `rtsp://127.0.0.1:${port}/${encodeURIComponent(name)}`,
    close: async () => {
      await server.close();
      await registry.closeAll();
      await cameras.close();
    },
  };
}

/** Waits until `check()` holds, polling; throws with `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A minimal parser of the Prometheus text exposition format (version 0.0.4): HELP and TYPE comments
 * before their samples, one TYPE per metric, sample lines `name{label="value",...} number` with \\, \"
 * and \n escapes in label values. Throws on anything else.
 */
export function parsePrometheusText(
  text: string,
): { name: string; labels: Record<string, string>; value: number }[] {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const typed = new Map<string, string>();
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        if (typed.has(meta[2]!)) throw new Error(`two TYPE lines for ${meta[2]}`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(meta[3]!))
          throw new Error(line);
        typed.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const name = m[1]!;
    if (!typed.has(name)) throw new Error(`sample ${name} before its TYPE`);
    const labels: Record<string, string> = {};
    let rest = m[3] ?? '';
    while (rest.length > 0) {
      const l = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)/.exec(rest);
      if (!l) throw new Error(`bad labels in: ${line}`);
      labels[l[1]!] = l[2]!.replace(/\\(\\|"|n)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      rest = rest.slice(l[0].length);
    }
    const value = Number(m[4]);
    if (Number.isNaN(value) && m[4] !== 'NaN') throw new Error(`bad value in: ${line}`);
    samples.push({ name, labels, value });
  }
  return samples;
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
