/**
 * VLC (cvlc from Debian 12) as a client, at least for play (docs/rtsp.md).
 *
 * Debian 12 builds VLC without live555 (--disable-live555), so VLC's RTSP goes through its SAT>IP
 * access module: a real RTSP exchange (SETUP, PLAY, TEARDOWN) and RTP reception, but it expects MPEG-TS
 * inside RTP and cannot depacketize H.264. So this test checks what this VLC can do: it sets a session
 * up, plays it to the end of the file (BYE), receives the RTP, and tears down cleanly; picture-level
 * checks are the job of the ffprobe/GStreamer matrix. VLC refuses to run as root, hence runuser.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../../src/core/logger.js';
import { getFixture } from '../../fixtures/index.js';
import { run, type RunningServer, startServer } from './harness.js';

let server: RunningServer;
const fixture = getFixture('h264-mkv-offset');
const requests: { method: string; status: number }[] = [];

before(async () => {
  server = await startServer([fixture.path]);
  // observe the RTSP exchange through the server's logger
  const log = {
    ...silentLogger,
    debug(message: string, fields?: Record<string, unknown>) {
      if (message === 'rtsp request')
        requests.push({ method: String(fields?.method), status: Number(fields?.status) });
    },
  };
  (server.server.options as { logger: typeof log }).logger = log;
});
after(() => server.close());

test('cvlc plays a mount to its end over RTSP and tears down', async () => {
  const asRoot = process.getuid?.() === 0;
  const vlc = [
    'cvlc',
    '-I',
    'dummy',
    '--no-audio',
    '--play-and-exit',
    '--vout',
    'dummy',
    server.url(fixture.path),
  ];
  const r = await run(
    asRoot ? 'runuser' : vlc[0]!,
    asRoot ? ['-u', 'nobody', '--', ...vlc] : vlc.slice(1),
    60_000,
  );
  assert.equal(r.code, 0, `cvlc exited with ${r.code}: ${r.stderr.slice(-500)}`);
  const methods = requests.map((q) => `${q.method} ${q.status}`);
  assert.ok(methods.includes('SETUP 200'), methods.join(', '));
  assert.ok(methods.includes('PLAY 200'), methods.join(', '));
  assert.ok(methods.includes('TEARDOWN 200'), methods.join(', '));
  assert.equal(server.server.sessions.size, 0);
  assert.ok(
    server.server.stats.rtpPacketsSent >= fixture.frames.length,
    `${server.server.stats.rtpPacketsSent} RTP packets sent`,
  );
});
