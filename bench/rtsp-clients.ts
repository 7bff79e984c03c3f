/**
 * N concurrent RTSP clients (RTP/AVP/TCP interleaved) on one 1080p H.264 mount: kadr rtsp-serve against
 * GStreamer's gst-rtsp-server serving the same file, measured in one run.
 *
 * For each server: CPU seconds of the server process per client-minute of video (from /proc, after
 * start-up), peak RSS while serving, and for every client whether it received every RTP packet (no
 * sequence gap, same count as the other clients of that server, stream ended with RTCP BYE).
 * The clients are minimal raw-socket readers in this process, so that decoding does not compete
 * with the servers for the CPU.
 *
 * usage: node --import tsx bench/rtsp-clients.ts [clients=10] [seconds=15] [rounds=2]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiledCli } from './compiled-cli.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const clients = Number(process.argv[2] ?? 10);
const seconds = Number(process.argv[3] ?? 15);
const rounds = Number(process.argv[4] ?? 2);
const ticksPerSec = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

function makeClip(): string {
  const dir = path.join(root, '.cache', 'bench');
  const file = path.join(dir, `1080p-${seconds}s.mp4`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    process.stderr.write(`making ${file} with ffmpeg...\n`);
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=s=1920x1080:r=30:d=${seconds},noise=alls=12:allf=t+u`,
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-crf',
      '23',
      '-g',
      '60',
      '-bf',
      '2',
      '-pix_fmt',
      'yuv420p',
      file,
    ]);
  }
  return file;
}

function cpuSeconds(pid: number): number {
  // utime + stime of the process and its waited-for children (fields 14-17 of /proc/pid/stat)
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / ticksPerSec;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

interface ClientResult {
  packets: number;
  gaps: number;
  bye: boolean;
  bytes: number;
}

/** One RTSP client: DESCRIBE, SETUP interleaved, PLAY, then count RTP until BYE or the deadline. */
function playOnce(url: string, deadlineMs: number): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const sock = net.connect({ host: u.hostname, port: Number(u.port) });
    let buf = Buffer.alloc(0);
    let cseq = 0;
    let stage = 0;
    let session = '';
    let base = url;
    const result: ClientResult = { packets: 0, gaps: 0, bye: false, bytes: 0 };
    let lastSeq = -1;
    const send = (method: string, target: string, extra: string[] = []) =>
      sock.write([`${method} ${target} RTSP/1.0`, `CSeq: ${++cseq}`, ...extra, '', ''].join('\r\n'));
    const finish = () => {
      sock.destroy();
      resolve(result);
    };
    const timer = setTimeout(finish, deadlineMs);
    sock.on('error', reject);
    sock.on('connect', () => send('DESCRIBE', url, ['Accept: application/sdp']));
    sock.on('data', (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      for (;;) {
        if (buf.length >= 4 && buf[0] === 0x24) {
          const len = buf.readUInt16BE(2);
          if (buf.length < 4 + len) return;
          const ch = buf[1]!;
          if (ch === 0) {
            const seq = buf.readUInt16BE(6);
            if (lastSeq >= 0 && seq !== ((lastSeq + 1) & 0xffff)) result.gaps++;
            lastSeq = seq;
            result.packets++;
            result.bytes += len;
          } else if (ch === 1) {
            // compound RTCP: look for a BYE (203) anywhere in it
            for (let o = 4; o + 4 <= 4 + len; o += (buf.readUInt16BE(o + 2) + 1) * 4) {
              if (buf[o + 1] === 203) result.bye = true;
            }
            if (result.bye) {
              clearTimeout(timer);
              setTimeout(finish, 100);
            }
          }
          buf = buf.subarray(4 + len);
          continue;
        }
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString();
        const len = Number(/Content-Length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        const body = buf.subarray(end + 4, end + 4 + len).toString();
        buf = buf.subarray(end + 4 + len);
        if (!/^RTSP\/1\.0 200/.test(head)) return reject(new Error(`${url}: ${head.split('\r\n')[0]}`));
        if (stage === 0) {
          base = /Content-Base: *(\S+)/i.exec(head)?.[1] ?? `${url}/`;
          const control = /a=control:(\S+)/.exec(body.slice(body.indexOf('m=video')))?.[1] ?? 'track0';
          const target = /^rtsp:/.test(control) ? control : `${base.replace(/\/?$/, '/')}${control}`;
          send('SETUP', target, ['Transport: RTP/AVP/TCP;unicast;interleaved=0-1']);
        } else if (stage === 1) {
          session = /Session: *([^;\r\n]+)/i.exec(head)![1]!;
          send('PLAY', base, [`Session: ${session}`, 'Range: npt=0.000-']);
        }
        stage++;
      }
    });
  });
}

interface Measured {
  name: string;
  cpuS: number;
  peakRssMiB: number;
  baseRssMiB: number;
  results: ClientResult[];
  wallS: number;
}

async function measure(name: string, proc: ChildProcess, url: string): Promise<Measured> {
  const pid = proc.pid!;
  await new Promise((r) => setTimeout(r, 1000)); // settle after start-up
  const baseRssMiB = rssMiB(pid);
  const cpu0 = cpuSeconds(pid);
  let peakRssMiB = baseRssMiB;
  const sampler = setInterval(() => (peakRssMiB = Math.max(peakRssMiB, rssMiB(pid))), 250);
  const t0 = performance.now();
  const results = await Promise.all(
    Array.from({ length: clients }, () => playOnce(url, (seconds + 10) * 1000)),
  );
  const wallS = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const cpuS = cpuSeconds(pid) - cpu0;
  return { name, cpuS, peakRssMiB, baseRssMiB, results, wallS };
}

function waitForLine(proc: ChildProcess, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += String(d);
      const m = re.exec(out);
      if (m) resolve(m[0]);
    });
    proc.on('exit', (c) => reject(new Error(`server exited with ${c}: ${out}`)));
  });
}

const clip = makeClip();
const report: Measured[] = [];

async function runKadr(): Promise<Measured> {
  // The compiled CLI (what users run), rebuilt first if src/ changed since.
  const proc = spawn(process.execPath, [compiledCli(), 'rtsp-serve', '--port', '0', clip], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await waitForLine(proc, /rtsp:\/\/\S+/);
  const m = await measure('kadr', proc, url);
  proc.kill('SIGTERM');
  return m;
}

async function runGst(): Promise<Measured> {
  const port = await freePort();
  const proc = spawn(
    '/usr/bin/python3',
    [path.join(root, 'bench', 'rtsp-gst-server.py'), String(port), clip],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await waitForLine(proc, /ready/);
  const m = await measure('gst-rtsp-server', proc, `rtsp://127.0.0.1:${port}/bench`);
  proc.kill('SIGTERM');
  return m;
}

// Alternate the servers so that a noisy neighbour on a shared machine hits both alike.
for (let round = 0; round < rounds; round++) {
  report.push(await runKadr());
  report.push(await runGst());
}

const clientMinutes = (clients * seconds) / 60;
console.log(
  `${clients} TCP-interleaved clients, 1080p H.264 ${seconds} s (${path.basename(clip)}), ${(await import('node:os')).cpus().length} cores`,
);
console.log(
  'server            cpu s   cpu s/client-min  peak RSS MiB (idle)  packets/client      all packets',
);
for (const m of report) {
  const counts = m.results.map((r) => r.packets);
  const complete = m.results.every((r) => r.gaps === 0 && r.bye) && new Set(counts).size === 1;
  console.log(
    `${m.name.padEnd(16)} ${m.cpuS.toFixed(2).padStart(6)}   ${(m.cpuS / clientMinutes).toFixed(3).padStart(16)}   ${m.peakRssMiB.toFixed(0).padStart(8)} (${m.baseRssMiB.toFixed(0)})` +
      `   ${Math.min(...counts)}-${Math.max(...counts)}`.padEnd(20) +
      `${complete ? 'yes' : `NO (gaps ${m.results.map((r) => r.gaps).join(',')}, bye ${m.results.filter((r) => r.bye).length}/${clients})`}`,
  );
}
const total = (name: string, f: (m: Measured) => number) =>
  report.filter((m) => m.name === name).reduce((a, m) => a + f(m), 0);
const cpuRatio = total('kadr', (m) => m.cpuS) / total('gst-rtsp-server', (m) => m.cpuS);
const rssRatio = total('kadr', (m) => m.peakRssMiB) / total('gst-rtsp-server', (m) => m.peakRssMiB);
console.log(
  `kadr / gst-rtsp-server CPU over ${rounds} rounds: ${cpuRatio.toFixed(2)}  (below 1: kadr serves more clients per core)`,
);
console.log(`kadr / gst-rtsp-server peak RSS: ${rssRatio.toFixed(2)}`);
