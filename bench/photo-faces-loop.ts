/**
 * What a burst of photos for profiles (POST /api/profiles/from-photo) costs the HTTP server's event
 * loop: the delay a timer firing every 10 ms sees while 20 photos are read, (a) in the calling process
 * as before (decode, YuNet, alignment, embedding, crop JPEG: ProfilePhotosService's old path) and
 * (b) through PhotoFaceProcess, the child process the server uses now. Every request handled by the
 * server waits at least that long. Prints the loop delay's p50 / p99 / max and the wall time of the
 * burst for each.
 *
 * usage: node --import tsx bench/photo-faces-loop.ts [--photos 20]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { PhotoFaceReader } from '../src/analytics/index.js';
import { PhotoFaceProcess } from '../src/app/profiles/index.js';
import { silentLogger } from '../src/core/logger.js';
import { decodeStill } from '../src/media/index.js';

const { values } = parseArgs({ options: { photos: { type: 'string', default: '20' } } });
const N = Number(values.photos);
const FACES = path.resolve(import.meta.dirname, '../test/fixtures/faces');
const photos = ['person-c_1.jpg', 'person-f_1.jpg', 'person-g_1.jpg', 'person-h_1.jpg'].map((f) =>
  readFileSync(path.join(FACES, f)),
);

async function measure(name: string, read: (photo: Buffer) => Promise<unknown>): Promise<void> {
  await read(photos[0]!); // models loaded before the clock starts
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const start = performance.now();
  await Promise.all(Array.from({ length: N }, (_, i) => read(photos[i % photos.length]!)));
  const wall = performance.now() - start;
  delay.disable();
  const ms = (ns: number) => (ns / 1e6).toFixed(1).padStart(6);
  console.log(
    `${name.padEnd(30)} loop delay p50 ${ms(delay.percentile(50))} ms  p99 ${ms(delay.percentile(99))} ms  max ${ms(delay.max)} ms  burst ${wall.toFixed(0)} ms`,
  );
}

console.log(`${N} photos at once, load average ${loadavg()[0]!.toFixed(1)}`);
const reader = await PhotoFaceReader.create();
await measure('(a) in this process', async (photo) => {
  const picture = decodeStill(photo);
  const { faces } = await reader.find(picture);
  return reader.describe(picture, faces[0]!);
});
await reader.close();
const child = new PhotoFaceProcess(silentLogger);
await measure('(b) PhotoFaceProcess (child)', (photo) => child.faceOf(photo));
await child.close();
