/**
 * How many idle or trickling connections kadr's RTSP server takes, from one address and from many,
 * while a real client (ffprobe, over TCP) still gets every frame of a clip with exact timestamps.
 * Addresses are 127.0.0.2 ... 127.0.0.254 (all local on Linux); ffprobe comes from 127.0.0.1. The
 * server runs in this process with its default limits; "held" is the most connections it had open at
 * once (flood and ffprobe), sampled every 50 ms.
 *
 * Idle: connect and send nothing. Trickling: send a request one byte per second, forever (reconnecting
 * when closed), as a slowloris would.
 *
 * usage: node --import tsx bench/rtsp-exhaustion.ts [counts per scenario, e.g. 1024,4096]
 */
import net from 'node:net';
import { getFixture } from '../test/fixtures/index.js';
import { checkFrames, ffprobeRtsp, startServer } from '../test/interop/rtsp/harness.js';

const counts = (process.argv[2] ?? '1024,4096').split(',').map(Number);
const fixture = getFixture('h264-mkv-offset');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Flood {
  open(): number;
  stop(): void;
}

function flood(port: number, addresses: string[], count: number, trickle: boolean): Flood {
  const sockets = new Set<net.Socket>();
  let stopped = false;
  const one = (localAddress: string) => {
    if (stopped) return;
    const s = net.connect({ port, host: '127.0.0.1', localAddress });
    sockets.add(s);
    let timer: NodeJS.Timeout | undefined;
    const request = `DESCRIBE rtsp://127.0.0.1:${port}/x RTSP/1.0\r\nCSeq: 1\r\n${'X: y\r\n'.repeat(50)}\r\n`;
    let i = 0;
    s.on('connect', () => {
      if (trickle) timer = setInterval(() => s.write(request[i++ % request.length]!), 1000);
    });
    s.on('error', () => {});
    s.on('close', () => {
      clearInterval(timer);
      sockets.delete(s);
      if (trickle) setTimeout(() => one(localAddress), 100); // a slowloris comes back
    });
  };
  for (let i = 0; i < count; i++) one(addresses[i % addresses.length]!);
  return {
    open: () => [...sockets].filter((s) => s.readyState === 'open').length,
    stop: () => {
      stopped = true;
      for (const s of sockets) s.destroy();
    },
  };
}

const many = Array.from({ length: 253 }, (_, i) => `127.0.0.${i + 2}`);
console.log('scenario                      flood  held by server  refused  evicted  ffprobe (frames, exact)');
for (const trickle of [false, true]) {
  for (const [label, addresses] of [
    ['one address', ['127.0.0.2']],
    ['253 addresses', many],
  ] as const) {
    for (const count of counts) {
      const server = await startServer([fixture.path]);
      const f = flood(server.port, [...addresses], count, trickle);
      const { stats } = server.server;
      let held = 0;
      const watch = setInterval(() => {
        const now = (server.server as unknown as { connections: Set<unknown> }).connections.size;
        held = Math.max(held, now);
      }, 50);
      await sleep(trickle ? 3000 : 1500);
      let verdict: string;
      try {
        const got = await ffprobeRtsp(server.url(fixture.path), 'tcp');
        verdict = `${got.length}/${fixture.frames.length}, ${checkFrames(fixture, got) ?? 'exact'}`;
      } catch (e) {
        verdict = `FAILED: ${String(e).slice(0, 80)}`;
      }
      clearInterval(watch);
      const name = `${trickle ? 'trickling' : 'idle'}, ${label}`;
      console.log(
        `${name.padEnd(28)} ${String(count).padStart(6)}  ${String(held).padStart(14)}  ${String(stats.refusedConnections).padStart(7)}  ${String((stats as { evictedConnections?: number }).evictedConnections ?? 'n/a').padStart(7)}  ${verdict}`,
      );
      f.stop();
      await server.close();
      await sleep(500);
    }
  }
}
process.exit(0);
