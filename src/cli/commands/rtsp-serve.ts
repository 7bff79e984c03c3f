/**
 * `kadr rtsp-serve`: serves video files over RTSP at rtsp://HOST:PORT/<file name without extension>
 * until SIGINT/SIGTERM.
 *
 * Secure by default: listening on anything but loopback without credentials is refused unless
 * --no-auth says so explicitly, because an RTSP server on a LAN hands every camera archive it serves to
 * anyone who can reach the port.
 */
import { existsSync, statSync } from 'node:fs';
import { KadrError } from '../../core/errors.js';
import { stderrLogger } from '../../core/logger.js';
import { RtspServer } from '../../rtsp/rtsp-server.js';
import { FileSource, mountNameFor } from '../../streams/file-source.js';
import { ByteBudget } from '../../streams/rtp-unit-cache.js';
import { StreamRegistry } from '../../streams/stream-registry.js';
import { isLoopback, rtspCacheBytes } from '../../config/index.js';
import { type Command, flag, stringOption } from '../command.js';

export function portOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n > 65535) {
    throw new KadrError('KADR_ERR_USAGE', `--${name} must be a port number 0-65535, got '${value}'`);
  }
  return n;
}

export const rtspServeCommand: Command = {
  name: 'rtsp-serve',
  usage: `usage: kadr rtsp-serve [options] <video>...

Serves each file at rtsp://HOST:PORT/<file name without extension>, at its own pace, with every
frame's timestamp kept (RTP timestamp = PTS at 90 kHz). H.264, H.265 and MPEG-4 Part 2 are sent as
they are; other codecs are transcoded to H.264 with the same timestamps. Stops on SIGINT/SIGTERM.

options:
  --port N          RTSP port (default 8554)
  --host ADDR       address to listen on (default 127.0.0.1)
  --rtp-port N      even UDP port for RTP, RTCP on N+1 (default: a free pair)
  --loop            loop each file, timestamps keep increasing
  --cache SIZE      memory to keep files packetized for all their clients (default 256M, or env
                    KADR_RTSP_CACHE; 0: every client reads the file itself)
  --user NAME       require Digest authentication (or env KADR_RTSP_USER)
  --password PASS   password for --user (better: env KADR_RTSP_PASSWORD, not visible in ps)
  --no-auth         allow listening beyond loopback without credentials
  --verbose         log every session`,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'rtp-port': { type: 'string' },
    loop: { type: 'boolean' },
    cache: { type: 'string' },
    user: { type: 'string' },
    password: { type: 'string' },
    'no-auth': { type: 'boolean' },
    verbose: { type: 'boolean' },
  },
  stopsOnSignal: true,
  async run(args, io) {
    const files = args.positionals;
    if (files.length === 0) throw new KadrError('KADR_ERR_USAGE', 'give at least one video file');
    const host = stringOption(args, 'host') ?? '127.0.0.1';
    const port = portOption(stringOption(args, 'port'), 'port', 8554);
    const rtpPort = portOption(stringOption(args, 'rtp-port'), 'rtp-port', 0);
    if (rtpPort % 2 !== 0) throw new KadrError('KADR_ERR_USAGE', `--rtp-port must be even, got ${rtpPort}`);
    const user = stringOption(args, 'user') ?? process.env.KADR_RTSP_USER;
    const password = stringOption(args, 'password') ?? process.env.KADR_RTSP_PASSWORD;
    if ((user === undefined) !== (password === undefined)) {
      throw new KadrError('KADR_ERR_USAGE', 'give both a user and a password, or neither');
    }
    if (!user && !isLoopback(host) && !flag(args, 'no-auth')) {
      throw new KadrError('KADR_ERR_USAGE', `refusing to serve on ${host} without authentication`, {
        hint: 'set KADR_RTSP_USER and KADR_RTSP_PASSWORD, or pass --no-auth if the network is trusted',
      });
    }
    const logger = stderrLogger(flag(args, 'verbose') ? 'debug' : 'warn', { module: 'rtsp' });
    const registry = new StreamRegistry(logger);
    const cacheBudget = new ByteBudget(rtspCacheBytes(stringOption(args, 'cache')));
    for (const file of files) {
      if (!existsSync(file) || !statSync(file).isFile()) {
        throw new KadrError('KADR_ERR_INPUT_NOT_FOUND', `no such file: ${file}`);
      }
      const source = new FileSource(mountNameFor(file), file, {
        loop: flag(args, 'loop'),
        logger,
        cacheBudget,
      });
      registry.add(source);
      // Describe now: a file that cannot be served fails at start, not at a client's first request.
      await source.describe();
    }
    if (!user && !isLoopback(host)) {
      io.err.write(`kadr rtsp-serve: WARNING: serving on ${host} without authentication (--no-auth)\n`);
    }
    const server = new RtspServer({
      handler: registry,
      host,
      port,
      udpRtpPort: rtpPort,
      auth: user && password ? { user, password } : undefined,
      logger,
    });
    const bound = await server.listen();
    const shownHost = host.includes(':') ? `[${host}]` : host;
    for (const name of registry.mountNames) {
      io.out.write(`rtsp://${shownHost}:${bound.port}/${encodeURI(name)}\n`);
    }
    io.err.write(
      `kadr rtsp-serve: listening on ${shownHost}:${bound.port} (RTP/RTCP UDP ${bound.udpRtpPort}-${bound.udpRtpPort + 1}); Ctrl-C stops\n`,
    );
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.close();
    await registry.closeAll();
    io.err.write('kadr rtsp-serve: stopped\n');
    return 0;
  },
};
