/**
 * Helpers for the recorder tests: run the real `kadr` CLI as a child process, read what it stored
 * with independent tools (ffprobe / ffmpeg from Debian), and list the store.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { locateObject } from '../../../src/storage/index.js';
import { ffprobeFrames } from '../../fixtures/ffprobe.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = path.join(root, 'src', 'cli', 'bin.ts');

export interface RecordedSegmentJson {
  key: string;
  index: string;
  frames: number;
  firstPtsMs: number;
  durationMs: number;
  startReason: string;
  endReason: string;
  gapBefore: { fromMs: number; toMs: number; durationMs: number; reason: string } | null;
  stored: 'live' | 'spool';
}

export interface RecordJson {
  source: string;
  to: string;
  connections: number;
  segments: RecordedSegmentJson[];
  pending: string[];
}

export function spawnKadr(args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', bin, ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function collect(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

/** Resolves when `text` appears on the child's stderr (e.g. a --verbose log line). */
export function waitForStderr(child: ChildProcess, text: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`no '${text}' on stderr within ${timeoutMs} ms: ${seen}`)),
      timeoutMs,
    );
    child.stderr!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/** Runs `kadr record ... --json` to its end and returns the parsed JSON. */
export async function record(args: string[], env?: NodeJS.ProcessEnv): Promise<RecordJson> {
  const r = await collect(spawnKadr(['record', ...args, '--json'], env));
  if (r.code !== 0) throw new Error(`kadr record exited with ${r.code ?? r.signal}: ${r.stderr}`);
  return JSON.parse(r.stdout) as RecordJson;
}

/**
 * `kadr record ... --json --verbose`: the JSON, and which receive path each connection used (the
 * `input` of its 'connected' log line: 'rtp' for kadr's own RTSP/RTP client, 'libavformat').
 */
export async function recordLogged(
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ result: RecordJson; inputs: string[] }> {
  const r = await collect(spawnKadr(['record', ...args, '--json', '--verbose'], env));
  if (r.code !== 0) throw new Error(`kadr record exited with ${r.code ?? r.signal}: ${r.stderr}`);
  const inputs = r.stderr
    .split('\n')
    .filter((l) => l.includes('"msg":"connected"'))
    .map((l) => (JSON.parse(l) as { input: string }).input);
  return { result: JSON.parse(r.stdout) as RecordJson, inputs };
}

/** A location ffprobe/ffmpeg can open: the path, or a presigned URL for s3://. */
export async function readable(location: string): Promise<string> {
  if (!location.startsWith('s3://')) return location;
  const { store, key } = locateObject(location);
  return store.readLocation(key, 600);
}

/** Every frame's pts in 1/90000 ticks, per ffprobe, in presentation order. */
export async function probePts90k(location: string): Promise<bigint[]> {
  const probed = ffprobeFrames(await readable(location));
  const { num, den } = probed.timeBase;
  return probed.frames.map((f) => (f.pts * BigInt(num) * 90000n) / BigInt(den));
}

/** md5 of every decoded picture, in presentation order (ffmpeg framemd5, no frame rate conversion). */
export async function frameMd5s(location: string): Promise<string[]> {
  const input = await readable(location);
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      'ffmpeg',
      ['-v', 'error', '-i', input, '-map', '0:v:0', '-fps_mode', 'passthrough', '-f', 'framemd5', '-'],
      { maxBuffer: 64 << 20 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    ),
  );
  return out
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',')[5]!.trim());
}

export async function readJson<T>(location: string): Promise<T> {
  if (!location.startsWith('s3://'))
    return JSON.parse(execFileSync('cat', [location], { encoding: 'utf8' })) as T;
  const { store, key } = locateObject(location);
  const chunks: Buffer[] = [];
  for await (const c of await store.get(key)) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString()) as T;
}

/** A plain H.264 test video of `seconds` at 25 fps, GOP 1 s (ffmpeg, a test peer), cached in .cache. */
export function longVideo(seconds: number, bframes = 2): string {
  const name = bframes === 2 ? `recorder-long-${seconds}s.mp4` : `recorder-long-${seconds}s-bf${bframes}.mp4`;
  const file = path.join(root, '.cache', 'fixtures', name);
  execFileSync('sh', [
    '-c',
    `test -f '${file}' || { mkdir -p '${path.dirname(file)}' && ffmpeg -v error -y -f lavfi -i testsrc2=s=320x180:r=25 -t ${seconds} -c:v libx264 -preset veryfast -g 25 -bf ${bframes} -x264-params scenecut=0 '${file}.tmp.mp4' && mv '${file}.tmp.mp4' '${file}'; }`,
  ]);
  return file;
}

/** Resolves once a `kadr rtsp-serve` child prints that it is listening (on stdout or stderr). */
export function waitForListening(server: ChildProcess): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (seen.includes('listening')) resolve();
    };
    server.stdout!.on('data', onData);
    server.stderr!.on('data', onData);
    server.once('exit', (code) => reject(new Error(`kadr rtsp-serve exited with ${code}: ${seen}`)));
  });
}
