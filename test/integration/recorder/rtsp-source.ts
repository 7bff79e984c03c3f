/**
 * Test helper: an RTSP server serving files (GStreamer's gst-rtsp-server, a peer nobody here wrote), on
 * a free port on 127.0.0.1, that a test can kill (SIGKILL: the source dies) and start again on the
 * same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'gst-rtsp-server.py');

export interface RtspSource {
  url(name: string): string;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** files: mount name -> file path (optionally `path,ts-offset=N`); auth: every mount needs these credentials. */
export async function startRtspSource(
  files: Record<string, string>,
  auth?: { method: 'basic' | 'digest'; user: string; password: string },
): Promise<RtspSource> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    const args = [
      script,
      String(port),
      ...(auth ? [`--auth=${auth.method}:${auth.user}:${auth.password}`] : []),
      ...Object.entries(files).map(([n, f]) => `${n}=${f}`),
    ];
    const proc = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`gst-rtsp-server exited with ${code}`)));
      proc.stdout!.once('data', () => resolve());
    });
    proc.removeAllListeners('exit');
  };
  const kill = async () => {
    const proc = child;
    child = null;
    await sigkill(proc);
  };
  await start();
  return {
    url: (name) => `rtsp://127.0.0.1:${port}/${name}`,
    kill,
    restart: start,
    stop: kill,
  };
}

/** kadr's own RTSP server (`kadr rtsp-serve`) serving `files` at rtsp://127.0.0.1:PORT/<name without extension>. */
export async function startKadrRtspServe(files: string[], extraArgs: string[] = []): Promise<RtspSource> {
  const port = await freePort();
  const root = path.resolve(path.dirname(script), '../../..');
  let child: ChildProcess | null = null;
  const start = async () => {
    const proc = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(root, 'src', 'cli', 'bin.ts'),
        'rtsp-serve',
        '--port',
        String(port),
        ...extraArgs,
        ...files,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const onData = (d: Buffer) => {
        seen += d.toString();
        if (seen.includes('listening')) resolve();
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.once('exit', (code) => reject(new Error(`kadr rtsp-serve exited with ${code}: ${seen}`)));
    });
    proc.removeAllListeners('exit');
  };
  const kill = async () => {
    const proc = child;
    child = null;
    await sigkill(proc);
  };
  await start();
  return { url: (name) => `rtsp://127.0.0.1:${port}/${name}`, kill, restart: start, stop: kill };
}

/** SIGKILL, then wait until the process is gone (a no-op for none or one already gone). */
async function sigkill(proc: ChildProcess | null): Promise<void> {
  if (!proc || proc.exitCode !== null) return;
  const gone = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGKILL');
  await gone;
}
