/**
 * `kadr rtsp-serve`: serves video files over RTSP at rtsp://HOST:PORT/<file name without extension>
 * until SIGINT/SIGTERM. Beyond loopback it needs credentials or --no-auth (src/main/rtsp-files.ts).
 */
import { isLoopback, loadConfig } from '../../config/index.js';
import { KadrError } from '../../core/errors.js';
import { stderrLogger } from '../../core/logger.js';
import { startKadr } from '../../main/index.js';
import { type Command, flag, stringOption, waitForAbort } from '../command.js';

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
    const config = loadConfig({
      user: stringOption(args, 'user'),
      password: stringOption(args, 'password'),
      cache: stringOption(args, 'cache'),
    });
    const logger = stderrLogger(flag(args, 'verbose') ? 'debug' : 'warn', { module: 'rtsp' });
    const kadr = await startKadr(
      config,
      {
        rtspFiles: {
          files,
          host,
          port,
          udpRtpPort: rtpPort,
          loop: flag(args, 'loop'),
          allowNoAuth: flag(args, 'no-auth'),
          logger,
        },
      },
      logger,
    );
    const rtsp = kadr.rtsp!;
    if (!config.rtsp.user && !isLoopback(host)) {
      io.err.write(`kadr rtsp-serve: WARNING: serving on ${host} without authentication (--no-auth)\n`);
    }
    const shownHost = host.includes(':') ? `[${host}]` : host;
    for (const name of rtsp.mounts) {
      io.out.write(`rtsp://${shownHost}:${rtsp.port}/${encodeURI(name)}\n`);
    }
    io.err.write(
      `kadr rtsp-serve: listening on ${shownHost}:${rtsp.port} (RTP/RTCP UDP ${rtsp.udpRtpPort}-${rtsp.udpRtpPort + 1}); Ctrl-C stops\n`,
    );
    await waitForAbort(io.signal);
    await kadr.close();
    io.err.write('kadr rtsp-serve: stopped\n');
    return 0;
  },
};
