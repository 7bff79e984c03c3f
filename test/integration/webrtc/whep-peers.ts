/**
 * Test peers for WHEP: Debian's python3-aiortc as one client (whep-aiortc.py) or many joining and
 * leaving in one process (whep-aiortc-many.py).
 */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** A UDP port nobody holds now (the WebRTC port of a kadr under test). */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '0.0.0.0', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export interface AiortcResult {
  status: number;
  body?: string;
  location?: string;
  frames: number;
  width: number | null;
  height: number | null;
  pts: number[];
  /** Wallclock ms of each decoded frame. */
  times: number[];
  deleted?: number;
}

/** Runs whep-aiortc.py for `seconds`; `vanish`: exit without DELETE or DTLS close (a tab killed). */
export function aiortcViewer(
  url: string,
  token: string,
  seconds: number,
  vanish = false,
): Promise<AiortcResult> {
  return new Promise((resolve, reject) => {
    const args = [
      path.join(here, 'whep-aiortc.py'),
      url,
      token,
      String(seconds),
      ...(vanish ? ['--no-delete'] : []),
    ];
    execFile('/usr/bin/python3', args, { timeout: (seconds + 30) * 1000 }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (!line.startsWith('{')) return reject(new Error(`aiortc: ${error?.message ?? ''}\n${stderr}`));
      resolve(JSON.parse(line) as AiortcResult);
    });
  });
}

export interface ManyResult {
  post: number[];
  delete: number[];
  /** Viewers that decoded a frame before leaving. */
  framed: number;
}

/** `rounds` times, `viewers` aiortc peers at once join, wait for a picture and leave (one process). */
export function aiortcJoinLeave(
  url: string,
  token: string,
  rounds: number,
  viewers: number,
): Promise<ManyResult> {
  return new Promise((resolve, reject) => {
    const args = [path.join(here, 'whep-aiortc-many.py'), url, token, String(rounds), String(viewers)];
    execFile('/usr/bin/python3', args, { timeout: 120_000 }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (!line.startsWith('{')) return reject(new Error(`aiortc: ${error?.message ?? ''}\n${stderr}`));
      resolve(JSON.parse(line) as ManyResult);
    });
  });
}

export interface GstWhepResult {
  status: number | null;
  body?: string;
  location: string | null;
  /** RTP timestamp of each access unit received (its marker packet), in order. */
  timestamps: number[];
  decoded: number;
  width: number | null;
  height: number | null;
  deleted?: number;
  error?: string;
}

/**
 * Runs whep-gst.py (GStreamer's webrtcbin) for `seconds`. It needs gstreamer1.0-nice (webrtcbin's ICE)
 * and gir1.2-gst-plugins-bad-1.0 (GstWebRTC from Python): the error names them where they are missing.
 */
export function gstWhepViewer(
  url: string,
  token: string,
  seconds: number,
  codec: 'h264' | 'h265',
): Promise<GstWhepResult> {
  return new Promise((resolve, reject) => {
    const args = [path.join(here, 'whep-gst.py'), url, token, String(seconds), codec];
    execFile('/usr/bin/python3', args, { timeout: (seconds + 30) * 1000 }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (line.startsWith('{')) return resolve(JSON.parse(line) as GstWhepResult);
      const missing = /GstWebRTC/.test(stderr)
        ? ' (Debian: gir1.2-gst-plugins-bad-1.0 and gstreamer1.0-nice, test/harness/apt-packages.txt)'
        : '';
      reject(new Error(`whep-gst.py: ${error?.message ?? ''}${missing}\n${stderr}`));
    });
  });
}
